// Rate-limit benchmark, one run, side by side:
//   A. ShouldRateLimit (gRPC) against a real Portcullis process: in-memory store vs a local Redis (one Lua
//      call per decision), one descriptor vs Envoy's three, and an over-limit key served by the near cache.
//   B. Check (gRPC) with the limit phase off vs on (memory, Redis).
// Load: h2load (C, HTTP/2) posting a pre-encoded gRPC request body, so the load generator is not what
// saturates the CPU. Latency percentiles come from h2load's per-request log.
//   node --import tsx bench/ratelimit.ts        (BENCH_SECONDS=8 BENCH_CLIENTS=8 BENCH_STREAMS=8)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { clientCtor } from '../src/server/protos.js';
import { startPortcullis, type PortcullisProc } from '../test/integration/harness/portcullis.js';
import { startRedis, type RedisNode } from '../test/integration/harness/redis.js';
import { checkRequest } from '../test/unit/helpers.js';
import { grpcFrame, h2load as runH2load, type H2Row } from './h2load.js';
import { machine } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 8);
const RLS = 'envoy.service.ratelimit.v3.RateLimitService';
const AUTH = 'envoy.service.auth.v3.Authorization';

interface Row extends H2Row { storeFailures: number }

/** Store calls that produced no answer so far (a row with any was partly answered by failure modes). */
async function storeFailures(p: PortcullisProc): Promise<number> {
  const text = await (await fetch(`${p.adminUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('portcullis_ratelimit_store_failures_total{')) sum += Number(line.split(' ').pop());
  return sum;
}

async function h2load(name: string, p: PortcullisProc, path: string, body: Buffer, dir: string, load = { clients: CLIENTS, streams: STREAMS }): Promise<Row> {
  const failuresBefore = await storeFailures(p);
  const row = await runH2load(name, { address: p.grpcAddress, path, body, dir, seconds: SECONDS, ...load });
  return { ...row, storeFailures: (await storeFailures(p)) - failuresBefore };
}

/** One real call through a gRPC client: the request does what the row says (no silent errors in the bench). */
function call(service: string, method: string, address: string, req: unknown): Promise<any> {
  const Ctor = clientCtor(service);
  const c = new Ctor(address, grpc.credentials.createInsecure()) as any;
  return new Promise((resolve, reject) => c[method](req, { deadline: Date.now() + 5000 }, (err: Error | null, res: any) => { c.close(); if (err) reject(err); else resolve(res); }));
}

function rlsRequest(descriptors: Array<Array<[string, string]>>): any {
  return { domain: 'bench', descriptors: descriptors.map((d) => ({ entries: d.map(([key, value]) => ({ key, value })) })), hits_addend: 1 };
}

const RLS_YAML = `
domain: bench
descriptors:
  - key: remote_address
    rate_limit: { unit: hour, requests_per_unit: 1000000000 }
    descriptors:
      - key: path
        rate_limit: { unit: hour, requests_per_unit: 1000000000 }
  - key: path
    rate_limit: { unit: second, requests_per_unit: 1000000000 }
  - key: blocked
    rate_limit: { unit: hour, requests_per_unit: 10 }
`;

function portcullisConfig(store: string): string {
  return `
log: { level: warn }
store: ${store}
ratelimit:
  config_dir: rl
  response_headers: ietf
  redis: { deadline_ms: 500 }   # measure Redis, not the failure modes (store failures are printed)
  limits:
    per-ip: { by: ip, requests_per_unit: 1000000000, unit: hour }
    per-path: { by: [ip, route], requests_per_unit: 1000000000, unit: minute, algorithm: sliding_window }
routes:
  - name: off
    match: { context_extensions: { service: off } }
  - name: on
    match: { context_extensions: { service: on } }
    ratelimit: { limits: [per-ip, per-path] }
`;
}

function print(title: string, rows: Row[]): void {
  const f = (n: number) => n.toFixed(2);
  console.log(`\n${title}`);
  console.log('| configuration | requests/s | p50 ms | p99 ms | p99.9 ms | max ms | failed | store failures | vs first |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.p999)} | ${f(r.max)} | ${r.failed} | ${r.storeFailures} | ${(r.rps / rows[0]!.rps).toFixed(2)}× |`);
}

const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-rl-'));
const procs: Array<{ stop(): Promise<unknown> }> = [];
try {
  mkdirSync(join(dir, 'rl'));
  writeFileSync(join(dir, 'rl', 'bench.yaml'), RLS_YAML);
  const redis: RedisNode = await startRedis(dir, 'bench-redis');
  procs.push(redis);
  const memory: PortcullisProc = await startPortcullis({ dir, name: 'bench-memory', config: portcullisConfig('{ kind: memory }') });
  procs.push({ stop: () => memory.stop('SIGKILL') });
  const withRedis: PortcullisProc = await startPortcullis({ dir, name: 'bench-redis-store', config: portcullisConfig(`{ kind: redis, url: "${redis.url}", command_timeout_ms: 500 }`) });
  procs.push({ stop: () => withRedis.stop('SIGKILL') });

  const one = rlsRequest([[['remote_address', '198.51.100.7']]]);
  const three = rlsRequest([[['remote_address', '198.51.100.7']], [['path', '/api/v1/orders/42']], [['remote_address', '198.51.100.7'], ['path', '/api/v1/orders/42']]]);
  const blocked = rlsRequest([[['blocked', 'attacker']]]);
  for (const p of [memory, withRedis]) {
    for (let i = 0; i < 11; i++) await call(RLS, 'ShouldRateLimit', p.grpcAddress, blocked);
    const b = await call(RLS, 'ShouldRateLimit', p.grpcAddress, blocked);
    const o = await call(RLS, 'ShouldRateLimit', p.grpcAddress, three);
    if (b.overall_code !== 'OVER_LIMIT' || o.overall_code !== 'OK' || o.statuses.length !== 3) throw new Error(`unexpected answers: ${JSON.stringify([b, o])}`);
  }
  const rlsPath = `/${RLS}/ShouldRateLimit`;
  const rlsRows: Row[] = [];
  rlsRows.push(await h2load('memory store, 1 descriptor', memory, rlsPath, grpcFrame(RLS, 'ShouldRateLimit', one), dir));
  rlsRows.push(await h2load('Redis, 1 descriptor', withRedis, rlsPath, grpcFrame(RLS, 'ShouldRateLimit', one), dir));
  rlsRows.push(await h2load('Redis, 3 descriptors (Envoy demo)', withRedis, rlsPath, grpcFrame(RLS, 'ShouldRateLimit', three), dir));
  rlsRows.push(await h2load('Redis, over-limit key (near cache)', withRedis, rlsPath, grpcFrame(RLS, 'ShouldRateLimit', blocked), dir));

  const checkOff = checkRequest({ path: '/api/v1/orders/42', headers: { accept: 'application/json' }, contextExtensions: { service: 'off' } });
  const checkOn = checkRequest({ path: '/api/v1/orders/42', headers: { accept: 'application/json' }, contextExtensions: { service: 'on' } });
  for (const p of [memory, withRedis]) {
    const r = await call(AUTH, 'Check', p.grpcAddress, checkOn);
    const hasLimitHeader = (r.ok_response?.response_headers_to_add ?? []).some((h: any) => h.header.key === 'ratelimit');
    if (r.status?.code !== 0 || !hasLimitHeader) throw new Error(`Check with limits did not allow with headers: ${JSON.stringify(r).slice(0, 300)}`);
  }
  const checkPath = `/${AUTH}/Check`;
  const checkRows: Row[] = [];
  checkRows.push(await h2load('limits off', memory, checkPath, grpcFrame(AUTH, 'Check', checkOff), dir));
  checkRows.push(await h2load('2 limits, memory store', memory, checkPath, grpcFrame(AUTH, 'Check', checkOn), dir));
  checkRows.push(await h2load('2 limits, Redis (1 Lua call)', withRedis, checkPath, grpcFrame(AUTH, 'Check', checkOn), dir));

  // one request at a time: the latency of a call itself, without queueing behind 64 others
  const one1 = { clients: 1, streams: 1 };
  const lowRows: Row[] = [];
  lowRows.push(await h2load('ShouldRateLimit, memory store', memory, rlsPath, grpcFrame(RLS, 'ShouldRateLimit', one), dir, one1));
  lowRows.push(await h2load('ShouldRateLimit, Redis', withRedis, rlsPath, grpcFrame(RLS, 'ShouldRateLimit', one), dir, one1));
  lowRows.push(await h2load('Check, limits off', memory, checkPath, grpcFrame(AUTH, 'Check', checkOff), dir, one1));
  lowRows.push(await h2load('Check, 2 limits, Redis', withRedis, checkPath, grpcFrame(AUTH, 'Check', checkOn), dir, one1));

  console.log(`\nPortcullis rate limiting — ${machine()}; h2load -t1, ${SECONDS}s per row after 2s warm-up; one Portcullis process per store, local redis-server`);
  print(`ShouldRateLimit (gRPC), saturated: ${CLIENTS} connections × ${STREAMS} streams`, rlsRows);
  print(`Check (gRPC), limit phase off vs on, saturated: ${CLIENTS} connections × ${STREAMS} streams`, checkRows);
  print('One call at a time (1 connection, 1 stream): per-call latency', lowRows);
} finally {
  for (const p of procs.reverse()) await p.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
