// The full demo config (envoy/portcullis-full.yaml) made runnable inside the test harness: its demo
// credentials generated into the stack's folder, its relative paths and Redis URL pointed at the stack.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './harness/portcullis.js';
import type { ConfigVars } from './harness/stack.js';

/** Runs scripts/demo-credentials.ts into `dir`; the variables of its env.sh. */
export function demoEnv(dir: string, env: Record<string, string> = {}): Record<string, string> {
  execFileSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'demo-credentials.ts'), dir], { cwd: REPO, stdio: 'pipe', env: { ...process.env, ...env } });
  const out: Record<string, string> = {};
  for (const m of readFileSync(join(dir, 'env.sh'), 'utf8').matchAll(/^export (\w+)='([^']*)'$/gm)) out[m[1]!] = m[2]!;
  return out;
}

/** envoy/portcullis-full.yaml with the stack's paths and Redis. */
export function demoConfig(v: ConfigVars): string {
  return readFileSync(join(REPO, 'envoy', 'portcullis-full.yaml'), 'utf8')
    .replace('config_dir: ratelimit', `config_dir: ${join(REPO, 'envoy', 'ratelimit')}`)
    .replace('../policies/bundle.tar.gz', join(REPO, 'policies', 'bundle.tar.gz'))
    .replace('${PORTCULLIS_REDIS_URL:-redis://127.0.0.1:6379}', v.redisUrl!)
    .replaceAll('${PORTCULLIS_DEMO_DIR:-demo}', join(v.dir, 'demo'));
}
