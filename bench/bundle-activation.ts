// Bundle activation benchmark: how long the Node event loop stalls while the policy module activates a
// bundle with a large data.json, the way the service does it (a watched bundle file that changed, and a
// bundle server polled over HTTP), and how long the activation takes from trigger to the new engine.
// The same for a large policy data source laid over a small bundle: a watched data file (`datafile`) and
// a Redis hash with one field per user (`redis`, a redis-server started here on a free loopback port).
//
// For each data size (realistic nested entitlement records, generated here) the bundle is assembled from
// a small policy compiled with `opa build -t wasm` plus the generated data.json. Meanwhile a 1 ms timer
// probe runs and evaluates the active policy on every tick (what a Check would do); the longest gap
// between ticks is the longest time a Check would have waited. perf_hooks.monitorEventLoopDelay gives
// the p99 and max of the loop delay as a second opinion.
//
//   npm run bench:bundle-activation
//   BENCH_SIZES_MIB=10,50,100   data.json sizes (MiB)
//   BENCH_SOURCES=file,http,datafile,redis   (data sources run for sizes up to 64 MiB, the data-file limit)
//   BENCH_MODES=worker,inline   PORTCULLIS_POLICY_ACTIVATION for each run: `worker` (the default: the heavy
//                               work in a worker thread) and `inline` (all of it on the main thread, as before)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { ModuleInstance } from '../src/modules/module.js';
import type { DataSource } from '../src/policy/data/data-source.js';
import type { FileDataSource } from '../src/policy/data/file-data.js';
import type { RedisHashDataSource } from '../src/policy/data/redis-data.js';
import type { BundleTarget } from '../src/policy/bundle-target.js';
import { findOpa } from '../src/policy/cli/opa.js';
import { policyModule } from '../src/policy/module.js';
import type { FileBundleSource } from '../src/policy/sources/file-source.js';
import type { HttpBundleSource } from '../src/policy/sources/http-source.js';
import { MemoryStore } from '../src/store/memory.js';
import { RedisStore } from '../src/store/redis.js';
import type { KvStore } from '../src/store/types.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startRedis, type RedisNode } from '../test/integration/harness/redis.js';
import { machine } from './lib.js';

const MiB = 1024 * 1024;
const sizes = (process.env.BENCH_SIZES_MIB ?? '10,50,100').split(',').map(Number);
type Source = 'file' | 'http' | 'datafile' | 'redis';
const sources = (process.env.BENCH_SOURCES ?? 'file,http,datafile,redis').split(',') as Source[];
const DATA_MAX_MIB = 64;
const modes = (process.env.BENCH_MODES ?? 'worker,inline').split(',');
/** Wasm memory limit for the bench's bundles: 4 GiB (the 32-bit maximum); the default (128 MiB) holds ~10 MiB of such data. */
const MAX_PAGES = 65536;
const ENTRYPOINT = 'acl/allow';
const logger = createLogger('warn');

const REGO = `package acl

import rego.v1

default allow := false

allow if {
  user := data.acl.users[input.user]
  user.attrs.active
  some g in user.groups
  input.action in data.acl.groups[g].permissions
}
`;

const userId = (i: number): string => `u${String(i).padStart(8, '0')}`;

/** ~`bytes` of user records as [id, JSON] pairs (deterministic). */
function users(bytes: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const user = {
      name: `User ${i}`, email: `user${i}@example.com`,
      groups: [`g${i % 97}`, `g${(i * 7) % 13}`],
      roles: ['reader', i % 5 === 0 ? 'admin' : 'writer'],
      attrs: { dept: `dept-${i % 31}`, region: ['eu-west-1', 'us-east-1', 'ap-south-1'][i % 3], clearance: i % 4, active: i % 7 !== 0, cost_center: 10_000 + (i % 997) },
    };
    const json = JSON.stringify(user);
    out.push([userId(i), json]);
    n += json.length + 14;
  }
  return out;
}

/** The users as one JSON object { u00000001: {...}, … }. */
function usersJson(bytes: number): string {
  return `{${users(bytes).map(([id, json]) => `"${id}":${json}`).join(',')}}`;
}

/** ~`bytes` of JSON: { acl: { users: { u00000001: {...}, … }, groups: { g0: {...}, … } } }, deterministic. */
export function entitlements(bytes: number, revision: string): Buffer {
  const groups: Record<string, unknown> = {};
  for (let g = 0; g < 97; g++) groups[`g${g}`] = { owners: [userId(g)], permissions: g % 2 ? ['read', 'list'] : ['read', 'write', 'delete'] };
  return Buffer.from(`{"acl":{"revision":${JSON.stringify(revision)},"groups":${JSON.stringify(groups)},"users":${usersJson(bytes)}}}`);
}

function compilePolicyWasm(dir: string): Buffer {
  const opa = findOpa();
  if (!opa) throw new Error('opa is required (bash scripts/install-deps.sh)');
  const src = join(dir, 'rego');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'acl.rego'), REGO);
  execFileSync(opa, ['build', '-t', 'wasm', '-b', '.', '-o', join(dir, 'opa-build.tar.gz'), '-e', ENTRYPOINT], { cwd: src, stdio: 'pipe' });
  execFileSync('tar', ['-xzf', join(dir, 'opa-build.tar.gz'), '-C', dir, '/policy.wasm'], { stdio: 'pipe' });
  return readFileSync(join(dir, 'policy.wasm'));
}

/** A bundle as `opa build` lays it out: .manifest, /policy.wasm, /data.json. */
async function bundle(wasm: Buffer, data: Buffer, revision: string): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  const manifest = { revision, roots: [''], wasm: [{ entrypoint: ENTRYPOINT, module: '/policy.wasm' }] };
  p.entry({ name: '/.manifest' }, Buffer.from(JSON.stringify(manifest)));
  p.entry({ name: '/policy.wasm' }, wasm);
  p.entry({ name: '/data.json' }, data);
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks), { level: 6 });
}

interface Probe { stop(): { ticks: number; maxGapMs: number; p99GapMs: number; histMaxMs: number; histP99Ms: number; evaluations: number; errors: number; peakRssMiB: number } }

/** 1 ms timer that evaluates the active policy on every tick, recording the gaps between ticks. */
function probe(target: BundleTarget): Probe {
  const hist = monitorEventLoopDelay({ resolution: 1 });
  hist.enable();
  const gaps: number[] = [];
  let last = performance.now();
  let evaluations = 0;
  let errors = 0;
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const now = performance.now();
    if (gaps.length % 10 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    gaps.push(now - last);
    last = now;
    try {
      target.active!.engine.evaluate(ENTRYPOINT, { user: 'u00000001', action: 'read' });
      evaluations++;
    } catch {
      errors++;
    }
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      hist.disable();
      gaps.push(performance.now() - last);
      const sorted = [...gaps].sort((a, b) => a - b);
      return {
        ticks: gaps.length,
        maxGapMs: sorted[sorted.length - 1]!,
        p99GapMs: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!,
        histMaxMs: hist.max / 1e6,
        histP99Ms: hist.percentile(99) / 1e6,
        evaluations,
        errors,
        peakRssMiB: Math.max(peakRss, process.memoryUsage.rss()) / MiB,
      };
    },
  };
}

interface Row { source: string; mode: string; dataMiB: number; gzMiB: number; activationMs: number; r: ReturnType<Probe['stop']>; revision: string }

type Measured = { activationMs: number; r: ReturnType<Probe['stop']> };

/** Trigger the update with the probe running; `check` says what is wrong with the target afterwards (or nothing). */
async function measure(target: BundleTarget, check: () => string | undefined, trigger: () => Promise<unknown>): Promise<Measured> {
  await new Promise((r) => setTimeout(r, 50)); // let the loop settle
  const p = probe(target);
  const t0 = performance.now();
  await trigger();
  await target.settled();
  const activationMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20)); // a few ticks after the swap
  const r = p.stop();
  const wrong = check();
  if (wrong) throw new Error(wrong);
  return { activationMs, r };
}

function revisionIs(target: BundleTarget, rev: string): () => string | undefined {
  return () => (target.active?.revision === rev ? undefined : `expected revision ${rev} active, have ${target.active?.revision} (${target.lastError ?? target.source.status.lastError})`);
}

/** The new data is active: a user only the large document has is allowed. */
function newDataActive(target: BundleTarget, data: DataSource, lastUser: string): () => string | undefined {
  return () => (target.active?.engine.evaluate(ENTRYPOINT, { user: lastUser, action: 'read' }) === true ? undefined
    : `the new data is not active (${target.lastError ?? data.status.lastError ?? 'no error'})`);
}

function env(dir: string) {
  return { store: new MemoryStore(), logger, configPath: join(dir, 'portcullis.yaml'), configDir: dir };
}

async function viaFile(dir: string, small: Buffer, big: Buffer, rev: string): Promise<{ activationMs: number; r: ReturnType<Probe['stop']> }> {
  const file = join(dir, 'bundle.tar.gz');
  writeFileSync(file, small);
  const inst = await policyModule.create({ bundles: { acl: { file, memory: { max_pages: MAX_PAGES } } } }, env(dir)) as ModuleInstance & { sources: FileBundleSource[]; targets: Map<string, BundleTarget> };
  try {
    const target = inst.targets.get('acl')!;
    writeFileSync(`${file}.new`, big);
    renameSync(`${file}.new`, file);
    return await measure(target, revisionIs(target, rev), () => inst.sources[0]!.reload('bench'));
  } finally {
    await inst.close!();
  }
}

async function viaHttp(dir: string, small: Buffer, big: Buffer, rev: string): Promise<{ activationMs: number; r: ReturnType<Probe['stop']> }> {
  let body = small;
  let etag = '"small"';
  const server: Server = createServer((req, res) => {
    if (req.headers['if-none-match'] === etag) { res.writeHead(304).end(); return; }
    res.writeHead(200, { 'content-type': 'application/gzip', etag, 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const inst = await policyModule.create({ bundles: { acl: { url, resource: 'bundles/acl.tar.gz', memory: { max_pages: MAX_PAGES }, max_bytes: 256 * MiB } } }, env(dir)) as ModuleInstance & { sources: HttpBundleSource[]; targets: Map<string, BundleTarget> };
  try {
    const target = inst.targets.get('acl')!;
    await inst.sources[0]!.poll();
    await target.settled();
    if (!target.active) throw new Error(`the small bundle did not activate: ${inst.sources[0]!.status.lastError}`);
    body = big;
    etag = `"${rev}"`;
    return await measure(target, revisionIs(target, rev), () => inst.sources[0]!.poll());
  } finally {
    await inst.close!();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

type PolicyInst = ModuleInstance & { dataSources: DataSource[]; targets: Map<string, BundleTarget> };

/** A small bundle with `acl/users` from a watched data file: the file is replaced by `bytes` of users. */
async function viaDataFile(dir: string, small: Buffer, bytes: number): Promise<Measured> {
  const file = join(dir, 'bundle.tar.gz');
  writeFileSync(file, small);
  const dataFile = join(dir, 'users.json');
  writeFileSync(dataFile, usersJson(16 * 1024));
  const cfg = { bundles: { acl: { file, memory: { max_pages: MAX_PAGES } } }, data: [{ name: 'users', path: 'acl/users', file: dataFile }] };
  const inst = await policyModule.create(cfg, env(dir)) as PolicyInst;
  try {
    const target = inst.targets.get('acl')!;
    const all = users(bytes);
    const text = `{${all.map(([id, json]) => `"${id}":${json}`).join(',')}}`;
    writeFileSync(`${dataFile}.new`, text);
    renameSync(`${dataFile}.new`, dataFile);
    return await measure(target, newDataActive(target, inst.dataSources[0]!, all[all.length - 1]![0]), () => (inst.dataSources[0] as FileDataSource).reload('bench'));
  } finally {
    await inst.close!();
  }
}

/** A small bundle with `acl/users` from a Redis hash (one field per user): the hash grows to `bytes` of users. */
async function viaRedis(dir: string, redis: RedisNode, small: Buffer, bytes: number): Promise<Measured> {
  const file = join(dir, 'bundle.tar.gz');
  writeFileSync(file, small);
  // HGETALL of tens of MiB takes far longer than the store's default 25 ms command deadline
  const store: KvStore = new RedisStore({ url: redis.url, commandTimeoutMs: 30_000, connectTimeoutMs: 2000, keyPrefix: 'bench:' }, logger);
  const raw = (store as RedisStore).redis;
  if (raw.status !== 'ready') await new Promise((r) => raw.once('ready', r));
  await raw.del('bench:users');
  const all = users(bytes);
  await raw.hset('bench:users', ...all.slice(0, 100).flat());
  const cfg = { bundles: { acl: { file, memory: { max_pages: MAX_PAGES } } }, data: [{ name: 'users', path: 'acl/users', redis_hash: 'users', refresh_seconds: 3600 }] };
  const inst = await policyModule.create(cfg, { ...env(dir), store }) as PolicyInst;
  try {
    const target = inst.targets.get('acl')!;
    const data = inst.dataSources[0]!;
    await (data as RedisHashDataSource).reload('bench');
    await target.settled();
    if (!data.loaded) throw new Error(`the small hash did not load: ${data.status.lastError}`);
    for (let i = 100; i < all.length; i += 2000) await raw.hset('bench:users', ...all.slice(i, i + 2000).flat());
    return await measure(target, newDataActive(target, data, all[all.length - 1]![0]), () => (data as RedisHashDataSource).reload('bench'));
  } finally {
    await inst.close!();
    await raw.del('bench:users');
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-activation-'));
const rows: Row[] = [];
let redis: RedisNode | undefined;
try {
  const wasm = compilePolicyWasm(dir);
  const small = await bundle(wasm, entitlements(64 * 1024, 'small'), 'small');
  if (sources.includes('redis')) redis = await startRedis(dir, 'bench-redis');
  for (const mib of sizes) {
    const rev = `big-${mib}`;
    const data = entitlements(mib * MiB, rev);
    const big = await bundle(wasm, data, rev);
    for (const source of sources) {
      if ((source === 'datafile' || source === 'redis') && mib > DATA_MAX_MIB) continue;
      for (const mode of modes) {
        process.env.PORTCULLIS_POLICY_ACTIVATION = mode;
        const m = source === 'file' ? await viaFile(dir, small, big, rev)
          : source === 'http' ? await viaHttp(dir, small, big, rev)
          : source === 'datafile' ? await viaDataFile(dir, small, mib * MiB)
          : await viaRedis(dir, redis!, small, mib * MiB);
        const dataSource = source === 'datafile' || source === 'redis';
        rows.push({ source, mode, dataMiB: data.length / MiB, gzMiB: dataSource ? NaN : big.length / MiB, revision: rev, ...m });
        console.error(`${source} ${mib} MiB ${mode}: activation ${m.activationMs.toFixed(0)} ms, longest stall ${m.r.maxGapMs.toFixed(0)} ms`);
      }
    }
  }
} finally {
  await redis?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nBundle activation with a large data.json (file, http) or data source (datafile, redis) — event-loop stalls while the new data activates (${machine()})`);
console.log('| source | data MiB | bundle .tar.gz MiB | activation | activation ms | longest stall ms (1 ms probe) | p99 tick gap ms | loop delay p99 / max ms (monitorEventLoopDelay) | probe ticks (evaluations, errors) | peak RSS MiB (process, sampled) |');
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const x of rows) {
  console.log(`| ${x.source} | ${x.dataMiB.toFixed(1)} | ${Number.isNaN(x.gzMiB) ? '–' : x.gzMiB.toFixed(1)} | ${x.mode} | ${x.activationMs.toFixed(0)} | ${x.r.maxGapMs.toFixed(0)} | ${x.r.p99GapMs.toFixed(1)} | ${x.r.histP99Ms.toFixed(1)} / ${x.r.histMaxMs.toFixed(0)} | ${x.r.ticks} (${x.r.evaluations}, ${x.r.errors}) | ${x.r.peakRssMiB.toFixed(0)} |`);
}
