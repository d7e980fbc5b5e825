// The Check path in-process (no gRPC, no Envoy): CheckRequest object → context → route → stages →
// CheckResponse, for the demo config. Prints ops/s and p50/p99/p99.9 in µs.
//   node --import tsx bench/check-path.ts   (BENCH_ITERATIONS=200000)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '../src/config/loader.js';
import { check } from '../src/pipeline/check.js';
import { buildRuntime } from '../src/pipeline/runtime.js';
import { MemoryStore } from '../src/store/memory.js';
import { createLogger } from '../src/telemetry/logger.js';
import { checkRequest } from '../test/unit/helpers.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const file = resolve(import.meta.dirname, '../envoy/portcullis.yaml');
const logger = createLogger('warn');
const rt = await buildRuntime(parseConfig(readFileSync(file, 'utf8'), file, process.env), new MemoryStore(), logger);

const headers = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', 'accept-language': 'en-GB,en;q=0.9',
  'x-request-id': '0b6f3c1e-8a1d-4d0e-9d7e-2f0c5b6a7e11', 'x-forwarded-proto': 'https', 'x-envoy-expected-rq-timeout-ms': '10000',
};
const cases = [
  { name: 'allow GET /api/v1/orders/42', req: checkRequest({ path: '/api/v1/orders/42?expand=items', headers, contextExtensions: { service: 'orders' } }) },
  { name: 'deny POST /api/v1/inventory/1 (rule)', req: checkRequest({ method: 'POST', path: '/api/v1/inventory/1', headers, contextExtensions: { service: 'inventory' } }) },
];

for (const c of cases) {
  for (let i = 0; i < 20_000; i++) await check(rt, c.req, logger); // warm-up (JIT)
  const lat = new Float64Array(iterations);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const s = process.hrtime.bigint();
    await check(rt, c.req, logger);
    lat[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort();
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!.toFixed(1);
  console.log(`${c.name.padEnd(40)} ${(iterations / secs).toFixed(0).padStart(8)} checks/s   p50 ${q(0.5)} µs   p99 ${q(0.99)} µs   p99.9 ${q(0.999)} µs`);
}
