import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The OPA version scripts/install-deps.sh installs; the committed bundle is built with it. */
export const PINNED_OPA_VERSION = '1.22.3';

/** $OPA, opa on PATH, or Go's bin folder (where `go install` puts it). */
export function findOpa(): string | undefined {
  const candidates: string[] = [];
  if (process.env.OPA) candidates.push(process.env.OPA);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'opa'));
  if (process.env.GOPATH) candidates.push(join(process.env.GOPATH, 'bin', 'opa'));
  candidates.push(join(homedir(), 'go', 'bin', 'opa'));
  return candidates.find((c) => existsSync(c));
}

export function opaVersion(opa: string): string | undefined {
  const r = spawnSync(opa, ['version'], { encoding: 'utf8' });
  return /^Version:\s*v?(\S+)/m.exec(r.stdout ?? '')?.[1];
}

export function runOpa(opa: string, args: string[], cwd: string, inherit = false): SpawnSyncReturns<string> {
  return spawnSync(opa, args, { cwd, encoding: 'utf8', stdio: inherit ? 'inherit' : 'pipe', maxBuffer: 64 * 1024 * 1024 });
}

/** opa prints paths relative to where it ran; make them relative to where the user is. */
export function rebaseRegoPaths(text: string, prefix: string): string {
  if (!prefix || prefix === '.') return text;
  return text.replace(/(^|[\s(])((?:\.\/)?[\w.@+-][\w./@+-]*\.(?:rego|json|ya?ml))(?=:\d+)/gm, (_m, lead: string, p: string) => `${lead}${join(prefix, p)}`);
}

export const NO_OPA_MESSAGE =
  `opa not found (looked at $OPA, PATH and ~/go/bin). Install it with: bash scripts/install-deps.sh ` +
  `(or: go install github.com/open-policy-agent/opa@v${PINNED_OPA_VERSION})`;
