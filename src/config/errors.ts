/** A problem in the config document at a JSON pointer path (e.g. /routes/2/match/path). */
export class ConfigError extends Error {
  constructor(readonly path: string, message: string, readonly file?: string) {
    super(message);
  }
}

export interface ConfigProblem {
  file: string;
  /** JSON pointer into the document, '' for the root. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

/** Thrown by the loader: every problem found, each naming the file, the path and what is wrong. */
export class ConfigLoadError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}: ${p.path || '/'}: ${p.message}`;
}
