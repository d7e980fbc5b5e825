import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DomainConfig } from './domain.js';
import type { RlsProblem } from './problems.js';
import { readDomainFile, type ReaderOptions } from './reader.js';

export interface DomainSet {
  domains: Map<string, DomainConfig>;
  /** Files read, relative to the directory. */
  files: string[];
  loadedAt: number;
}

export const CONFIG_FILE = /^[^.].*\.ya?ml$/;

/**
 * A config directory as envoyproxy/ratelimit reads it (RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/config): every
 * *.yaml / *.yml file, one domain per file; hidden files (Kubernetes ConfigMap `..data` links) are skipped,
 * symlinked files are followed. All files must be valid and domains unique (or, with `mergeDomains`,
 * their top-level keys unique), or nothing is loaded.
 */
export function loadDomainDir(dir: string, opts: ReaderOptions, displayDir = dir): { set?: DomainSet; problems: RlsProblem[] } {
  // problems name files as the user wrote the directory (config_dir relative to the config file)
  const shown = (name?: string) => (name === undefined ? displayDir : join(displayDir, name));
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => CONFIG_FILE.test(n)).sort();
  } catch (err) {
    return { problems: [{ file: shown(), path: '', message: `cannot read the directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
  }
  const problems: RlsProblem[] = [];
  const domains = new Map<string, DomainConfig>();
  const files: string[] = [];
  for (const name of names) {
    const abs = join(dir, name);
    let text: string;
    try {
      if (!statSync(abs).isFile()) continue;
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      problems.push({ file: shown(name), path: '', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      continue;
    }
    files.push(name);
    const r = readDomainFile(shown(name), text, opts, opts.mergeDomains ? (d) => domains.get(d) : undefined);
    problems.push(...r.problems);
    if (!r.config) continue;
    const prev = domains.get(r.config.domain);
    if (prev && !opts.mergeDomains) {
      problems.push({ file: shown(name), path: 'domain', ...r.domainAt, message: `duplicate domain "${r.config.domain}" in config file (also in ${prev.file})` });
      continue;
    }
    domains.set(r.config.domain, r.config);
  }
  if (problems.length > 0) return { problems };
  return { set: { domains, files, loadedAt: Date.now() }, problems };
}
