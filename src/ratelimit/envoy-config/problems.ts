/** One problem in an envoyproxy/ratelimit config file: the file, the key path, the position, what is wrong. */
export interface RlsProblem {
  file: string;
  /** Key path inside the file, e.g. `descriptors[0].rate_limit.unit` ('' for the whole file). */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatRlsProblem(p: RlsProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

export class RlsConfigError extends Error {
  constructor(readonly problems: RlsProblem[]) {
    super(problems.map(formatRlsProblem).join('\n'));
  }
}
