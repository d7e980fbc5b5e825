// Envoy alone vs Envoy + Portcullis, same upstream, one run:
//   1. Envoy alone (no ext_authz)
//   2. Envoy + Portcullis, static rules (envoy/portcullis.yaml, in-memory store)
//   3. Envoy + Portcullis, the full demo (envoy/portcullis-full.yaml): JWT (ES256, verified-token cache),
//      two rate limits counted in Redis (one Lua call), OPA Wasm RBAC, threat inspection of the request.
//      Limits are raised so the load never reaches them, and bot/anomaly weights are 0 so the load
//      generator is not banned; the detectors still run.
//   npm run bench   (BENCH_SECONDS=10 BENCH_CONNECTIONS=32)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { demoConfig, demoEnv } from '../test/integration/demo-config.js';
import { startStack, type ConfigVars, type StackOptions } from '../test/integration/harness/stack.js';
import { machine, printTable, wrk, type LoadResult } from './lib.js';

const REPO = resolve(import.meta.dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PATH = '/api/v1/orders/42?expand=items';

async function measure(name: string, o: StackOptions, headers: () => Record<string, string> = () => ({})): Promise<LoadResult> {
  const stack = await startStack({ ...o, envoy: { vars: { RATELIMIT: 'false', ...o.envoy?.vars } }, env: { PORTCULLIS_LOG_LEVEL: 'warn' } });
  try {
    const h = headers();
    const probe = await stack.request({ path: PATH, headers: h });
    if (probe.status !== 200) throw new Error(`${name}: probe got ${probe.status} ${probe.body}`);
    const url = `http://127.0.0.1:${stack.envoy.httpPort}${PATH}`;
    await wrk(`${name} (warm-up)`, url, { seconds: 2, connections, headers: h });
    const r = await wrk(name, url, { seconds, connections, headers: h });
    stack.upstream.seen.length = 0;
    return r;
  } finally {
    await stack.stop();
  }
}

/** The repo's config with its relative paths made absolute (the harness writes configs to a temp dir). */
const basic = () => readFileSync(join(REPO, 'envoy', 'portcullis.yaml'), 'utf8').replace('config_dir: ratelimit', `config_dir: ${join(REPO, 'envoy', 'ratelimit')}`);

let token = '';
const full = (v: ConfigVars) => {
  token = demoEnv(join(v.dir, 'demo')).ALICE_TOKEN!;
  return demoConfig(v)
    .replace(/requests_per_unit: \d+/g, 'requests_per_unit: 1000000000')
    // GCRA's burst bounds what one instant admits whatever the rate (since the emission interval is rounded up,
    // never to 0 µs): 10 of 32 concurrent requests in the same microsecond were refused
    .replace(/burst: \d+/g, 'burst: 1000000')
    .replace('scoring: { block: 0.8, throttle: 0.5 }', 'scoring: { block: 0.8, throttle: 0.5, weights: { bot: 0, anomaly: 0 } }');
};

const rows = [
  await measure('Envoy alone (no ext_authz)', { config: basic, envoy: { vars: { EXT_AUTHZ: 'false' } } }),
  await measure('Envoy + Portcullis (static rules)', { config: basic }),
  await measure('Envoy + Portcullis (JWT + Redis limits + OPA + threat)', { config: full, redis: 'single' }, () => ({ authorization: `Bearer ${token}` })),
];
printTable(`Envoy alone vs Envoy + Portcullis — wrk ${connections} connections, ${seconds}s each (${machine()})`, rows);
