// Policy benchmarks, one run:
//  1. evaluation latency of each example entrypoint (Wasm evaluate alone, and the whole policy stage:
//     input document + evaluate + result mapping), p50/p99/p99.9 in µs;
//  2. in-process Check throughput, policy off vs on (same route, same request);
//  3. through a real Envoy with wrk: Envoy + Portcullis without a policy vs with the OPA-Envoy JWT policy.
//   npm run bench:policy   (BENCH_ITERATIONS=10000 BENCH_SECONDS=5 BENCH_CONNECTIONS=32 BENCH_ENVOY=1)
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { parseConfig } from '../src/config/loader.js';
import { check } from '../src/pipeline/check.js';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../src/pipeline/context-builder.js';
import type { Identity, RequestContext } from '../src/pipeline/context.js';
import { buildRuntime, closeRuntime, type Runtime } from '../src/pipeline/runtime.js';
import type { Stage } from '../src/pipeline/stage.js';
import { dataValue, loadBundleArchive } from '../src/policy/bundle/load.js';
import { buildInput } from '../src/policy/input/build-input.js';
import { interpretResult } from '../src/policy/result.js';
import { WasmEngine } from '../src/policy/wasm/engine.js';
import { MemoryStore } from '../src/store/memory.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startStack } from '../test/integration/harness/stack.js';
import { checkRequest } from '../test/unit/helpers.js';
import { machine, printTable, wrk, type LoadResult } from './lib.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 10_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BUNDLE = resolve(import.meta.dirname, '../policies/bundle.tar.gz');
const SECRET = 'demo-only-secret-replace-me-with-data-from-a-file-or-redis'; // the example bundle's own data
const logger = createLogger('warn');

interface Stats { p50: number; p99: number; p999: number; perSec: number }

function timeLoop(n: number, fn: () => unknown): Stats {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(); // warm-up (JIT)
  const lat = new Float64Array(n);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    fn();
    lat[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort();
  const q = (p: number) => lat[Math.min(n - 1, Math.floor(n * p))]!;
  return { p50: q(0.5), p99: q(0.99), p999: q(0.999), perSec: n / secs };
}

async function timeLoopAsync(n: number, fn: () => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < Math.min(n, 5000); i++) await fn();
  const lat = new Float64Array(n);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    await fn();
    lat[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort();
  const q = (p: number) => lat[Math.min(n - 1, Math.floor(n * p))]!;
  return { p50: q(0.5), p99: q(0.99), p999: q(0.999), perSec: n / secs };
}

const us = (x: number) => x.toFixed(1);
const headers = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', 'accept-language': 'en-GB,en;q=0.9',
  'x-request-id': '0b6f3c1e-8a1d-4d0e-9d7e-2f0c5b6a7e11', 'x-forwarded-proto': 'https',
};
const token = await new SignJWT({ sub: 'alice', role: 'guest' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2h').sign(new TextEncoder().encode(SECRET));
const alice: Identity = { kind: 'jwt', subject: 'alice', roles: ['reader'], claims: { department: 'finance', clearance: 'confidential' } };

function ctx(method: string, path: string, extra: Record<string, string> = {}, id?: Identity): RequestContext {
  const c = buildContext(checkRequest({ method, path, headers: { ...headers, ...extra } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  c.route = 'bench';
  c.identity = id;
  c.risk = { score: 0.05, findings: [] };
  return c;
}

// ---- 1. evaluation latency per example -------------------------------------------------------------
const lb = await loadBundleArchive(readFileSync(BUNDLE));
const engine = await WasmEngine.create(lb.compiled, dataValue(lb.data));
const examples: Array<[string, string, RequestContext]> = [
  ['RBAC (boolean)', 'portcullis/rbac/allow', ctx('GET', '/api/v1/orders/42?expand=items', {}, alice)],
  ['ABAC (object, clock, json.marshal)', 'portcullis/abac/decision', ctx('GET', '/api/v1/reports/finance/q1', {}, alice)],
  ['resource-level: own user record', 'portcullis/resources/decision', ctx('GET', '/api/v1/users/alice', {}, alice)],
  ['combined (resources → RBAC → ABAC)', 'portcullis/authz/decision', ctx('GET', '/api/v1/users/alice', {}, alice)],
  ['OPA-Envoy style, HS256 JWT verified in Rego', 'envoy/authz/result', ctx('GET', '/people/1', { authorization: `Bearer ${token}` })],
];
console.log(`\nPolicy evaluation latency — ${iterations} evaluations each (${machine()})`);
console.log('| example | entrypoint | evaluate p50 µs | p99 µs | p99.9 µs | input+evaluate+result p50 µs | p99 µs | p99.9 µs | evaluations/s (stage) |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [name, ep, c] of examples) {
  const input = buildInput(c, { parseBody: true });
  const allowed = interpretResult(engine.evaluate(ep, input)).allowed;
  const e = timeLoop(iterations, () => engine.evaluate(ep, input));
  const s = timeLoop(iterations, () => interpretResult(engine.evaluate(ep, buildInput(c, { parseBody: true }))));
  console.log(`| ${name} (${allowed ? 'allow' : 'deny'}) | ${ep} | ${us(e.p50)} | ${us(e.p99)} | ${us(e.p999)} | ${us(s.p50)} | ${us(s.p99)} | ${us(s.p999)} | ${s.perSec.toFixed(0)} |`);
}

// ---- 1b. the input document's owned-header view ---------------------------------------------------
// An owned header (identity forward header, x-portcullis-*) shows what the upstream will receive: no copy of
// the header map when none is sent or set (the common case); one copy when the client sent one or identity set one.
{
  const owned = { prefixes: ['x-portcullis-'], names: new Set(['x-user-id', 'x-user-roles']) };
  const plain = ctx('GET', '/api/v1/orders/42', {}, alice);
  const forwarded = ctx('GET', '/api/v1/orders/42', {}, alice);
  forwarded.upstreamHeaders.push(['x-user-id', 'alice'], ['x-user-roles', 'reader']);
  const spoofed = ctx('GET', '/api/v1/orders/42', { 'x-user-id': 'admin', 'x-portcullis-subject': 'root' }, alice);
  spoofed.upstreamHeaders.push(['x-user-id', 'alice'], ['x-user-roles', 'reader']);
  console.log('\nInput document build (buildInput alone), owned-header view');
  console.log('| case | p50 µs | p99 µs | p99.9 µs | inputs/s |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, c] of [['no owned header sent or set (no copy)', plain], ['identity forwarded 2 headers (copy)', forwarded], ['client sent 2 owned headers + 2 forwarded (copy)', spoofed]] as const) {
    const s = timeLoop(iterations, () => buildInput(c, { parseBody: true, owned }));
    console.log(`| ${name} | ${us(s.p50)} | ${us(s.p99)} | ${us(s.p999)} | ${s.perSec.toFixed(0)} |`);
  }
}

// ---- 2. in-process Check throughput, policy off vs on ------------------------------------------------
async function runtimeWith(policy: string, identity?: Identity): Promise<Runtime> {
  const yaml = `
store: { kind: memory }
policy:
  bundles: { examples: { file: ${BUNDLE} } }
routes:
  - name: bench
    match: { path: { prefix: / } }
${policy}`;
  const rt = await buildRuntime(parseConfig(yaml, join(import.meta.dirname, 'bench.yaml'), {}), new MemoryStore(), logger);
  if (identity) {
    // stands in for the identify phase (the identity module is separate): attach a verified identity
    const route = rt.table.match(buildContext(checkRequest({ path: '/' }), rt.contextOptions))!;
    const stub: Stage = { name: 'identity_stub', phase: 'identify', run(c) { c.identity = identity; } };
    (route.stages as Stage[]).unshift(stub);
  }
  return rt;
}

const checkCases: Array<[string, Runtime, any]> = [
  ['policy off', await runtimeWith(''), checkRequest({ path: '/api/v1/users/alice', headers })],
  ['policy on: RBAC', await runtimeWith('    policy: { entrypoint: portcullis/rbac/allow }', alice), checkRequest({ path: '/api/v1/users/alice', headers })],
  ['policy on: combined decision', await runtimeWith('    policy: { entrypoint: portcullis/authz/decision }', alice), checkRequest({ path: '/api/v1/users/alice', headers })],
  ['policy on: OPA-Envoy JWT policy', await runtimeWith('    policy: { entrypoint: envoy/authz/result }'), checkRequest({ path: '/people/1', headers: { ...headers, authorization: `Bearer ${token}` } })],
];
console.log(`\nIn-process Check (CheckRequest → CheckResponse, no gRPC) — ${iterations} checks each`);
console.log('| configuration | checks/s | p50 µs | p99 µs | p99.9 µs | throughput vs off |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
let off = 0;
for (const [name, rt, req] of checkCases) {
  const probe = await check(rt, req, logger);
  if (probe.status.code !== 0) throw new Error(`${name}: the probe was denied (${probe.status.message})`);
  const s = await timeLoopAsync(iterations, () => check(rt, req, logger));
  off ||= s.perSec;
  console.log(`| ${name} | ${s.perSec.toFixed(0)} | ${us(s.p50)} | ${us(s.p99)} | ${us(s.p999)} | ${(s.perSec / off).toFixed(2)}× |`);
  await closeRuntime(rt);
}

// ---- 3. through Envoy with wrk --------------------------------------------------------------------
if (process.env.BENCH_ENVOY !== '0') {
  async function measure(name: string, policy: string, extraHeaders: Record<string, string>): Promise<LoadResult> {
    const stack = await startStack({
      config: ({ dir }) => {
        writeFileSync(join(dir, 'bundle.tar.gz'), readFileSync(BUNDLE));
        return `store: { kind: memory }\npolicy:\n  bundles: { examples: { file: bundle.tar.gz } }\nroutes:\n  - name: web\n    match: { path: { prefix: / } }\n${policy}\n`;
      },
      envoy: { vars: { RATELIMIT: 'false' } },
      env: { PORTCULLIS_LOG_LEVEL: 'warn' },
    });
    try {
      const url = `http://127.0.0.1:${stack.envoy.httpPort}/people/1`;
      const probe = await stack.request({ path: '/people/1', headers: extraHeaders });
      if (probe.status !== 200) throw new Error(`${name}: probe got ${probe.status} ${probe.body}`);
      await wrk(`${name} (warm-up)`, url, { seconds: 2, connections, headers: extraHeaders });
      return await wrk(name, url, { seconds, connections, headers: extraHeaders });
    } finally {
      await stack.stop();
    }
  }
  // two rounds, alternating, so drift on a shared machine shows up as a difference between rounds
  const rows: LoadResult[] = [];
  for (const round of [1, 2]) {
    rows.push(await measure(`policy off (round ${round})`, '', { authorization: `Bearer ${token}` }));
    rows.push(await measure(`OPA-Envoy JWT policy (round ${round})`, '    policy: { entrypoint: envoy/authz/result }', { authorization: `Bearer ${token}` }));
  }
  printTable(`Envoy + Portcullis, policy off vs on — wrk ${connections} connections, ${seconds}s each (${machine()})`, rows);
}
