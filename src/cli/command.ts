export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

/**
 * --name value / --flag parsing shared by commands. Flags named in `booleans` never take a value, so
 * `--strict DIR` keeps DIR positional.
 */
export function parseFlags(args: string[], booleans: readonly string[] = []): { flags: Record<string, string | true>; rest: string[] } {
  const flags: Record<string, string | true> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < args.length && !args[i + 1]!.startsWith('--') && !booleans.includes(a.slice(2))) flags[a.slice(2)] = args[++i]!;
      else flags[a.slice(2)] = true;
    } else rest.push(a);
  }
  return { flags, rest };
}
