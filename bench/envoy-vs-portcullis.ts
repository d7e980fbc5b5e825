// Envoy alone vs Envoy + Portcullis (ext_authz with static rules), same upstream, one run.
//   npm run bench   (BENCH_SECONDS=10 BENCH_CONNECTIONS=32)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startStack, type Stack } from '../test/integration/harness/stack.js';
import { machine, printTable, wrk, type LoadResult } from './lib.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const demoConfig = readFileSync(resolve(import.meta.dirname, '../envoy/portcullis.yaml'), 'utf8');

async function measure(name: string, vars: Record<string, string>): Promise<LoadResult> {
  const stack: Stack = await startStack({ config: demoConfig, envoy: { vars: { RATELIMIT: 'false', ...vars } }, env: { PORTCULLIS_LOG_LEVEL: 'warn' } });
  try {
    const url = `http://127.0.0.1:${stack.envoy.httpPort}/api/v1/orders/42?expand=items`;
    const probe = await stack.request({ path: '/api/v1/orders/42?expand=items' });
    if (probe.status !== 200) throw new Error(`${name}: probe got ${probe.status} ${probe.body}`);
    stack.upstream.seen.length = 0;
    await wrk(`${name} (warm-up)`, url, { seconds: 2, connections });
    return await wrk(name, url, { seconds, connections });
  } finally {
    await stack.stop();
  }
}

const rows = [
  await measure('Envoy alone (no ext_authz)', { EXT_AUTHZ: 'false' }),
  await measure('Envoy + Portcullis (static rules)', { EXT_AUTHZ: 'true' }),
];
printTable(`Envoy alone vs Envoy + Portcullis — wrk ${connections} connections, ${seconds}s each (${machine()})`, rows);
