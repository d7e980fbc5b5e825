// Bundle activation benchmark: how long the Node event loop stalls while the policy module activates a
// bundle with a large data.json, the way the service does it (a watched bundle file that changed, and a
// bundle server polled over HTTP), and how long the activation takes from trigger to the new engine.
//
// For each data size (realistic nested entitlement records, generated here) the bundle is assembled from
// a small policy compiled with `opa build -t wasm` plus the generated data.json. Meanwhile a 1 ms timer
// probe runs and evaluates the active policy on every tick (what a Check would do); the longest gap
// between ticks is the longest time a Check would have waited. perf_hooks.monitorEventLoopDelay gives
// the p99 and max of the loop delay as a second opinion.
//
//   npm run bench:bundle-activation
//   BENCH_SIZES_MIB=10,50,100   data.json sizes (MiB)
//   BENCH_SOURCES=file,http
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
import type { BundleTarget } from '../src/policy/bundle-target.js';
import { findOpa } from '../src/policy/cli/opa.js';
import { policyModule } from '../src/policy/module.js';
import type { FileBundleSource } from '../src/policy/sources/file-source.js';
import type { HttpBundleSource } from '../src/policy/sources/http-source.js';
import { MemoryStore } from '../src/store/memory.js';
import { createLogger } from '../src/telemetry/logger.js';
import { machine } from './lib.js';

const MiB = 1024 * 1024;
const sizes = (process.env.BENCH_SIZES_MIB ?? '10,50,100').split(',').map(Number);
const sources = (process.env.BENCH_SOURCES ?? 'file,http').split(',') as Array<'file' | 'http'>;
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

/** ~`bytes` of JSON: { acl: { users: { u00000001: {...}, … }, groups: { g0: {...}, … } } }, deterministic. */
export function entitlements(bytes: number, revision: string): Buffer {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const user = {
      name: `User ${i}`, email: `user${i}@example.com`,
      groups: [`g${i % 97}`, `g${(i * 7) % 13}`],
      roles: ['reader', i % 5 === 0 ? 'admin' : 'writer'],
      attrs: { dept: `dept-${i % 31}`, region: ['eu-west-1', 'us-east-1', 'ap-south-1'][i % 3], clearance: i % 4, active: i % 7 !== 0, cost_center: 10_000 + (i % 997) },
    };
    const s = `"u${String(i).padStart(8, '0')}":${JSON.stringify(user)}`;
    parts.push(s);
    n += s.length + 1;
  }
  const groups: Record<string, unknown> = {};
  for (let g = 0; g < 97; g++) groups[`g${g}`] = { owners: [`u${String(g).padStart(8, '0')}`], permissions: g % 2 ? ['read', 'list'] : ['read', 'write', 'delete'] };
  return Buffer.from(`{"acl":{"revision":${JSON.stringify(revision)},"groups":${JSON.stringify(groups)},"users":{${parts.join(',')}}}}`);
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

async function measure(target: BundleTarget, expectRevision: string, trigger: () => Promise<unknown>): Promise<{ activationMs: number; r: ReturnType<Probe['stop']> }> {
  await new Promise((r) => setTimeout(r, 50)); // let the loop settle
  const p = probe(target);
  const t0 = performance.now();
  await trigger();
  await target.settled();
  const activationMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20)); // a few ticks after the swap
  const r = p.stop();
  if (target.active?.revision !== expectRevision) throw new Error(`expected revision ${expectRevision} active, have ${target.active?.revision} (${target.lastError ?? target.source.status.lastError})`);
  return { activationMs, r };
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
    return await measure(target, rev, () => inst.sources[0]!.reload('bench'));
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
    return await measure(target, rev, () => inst.sources[0]!.poll());
  } finally {
    await inst.close!();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-activation-'));
const rows: Row[] = [];
try {
  const wasm = compilePolicyWasm(dir);
  const small = await bundle(wasm, entitlements(64 * 1024, 'small'), 'small');
  for (const mib of sizes) {
    const rev = `big-${mib}`;
    const data = entitlements(mib * MiB, rev);
    const big = await bundle(wasm, data, rev);
    for (const source of sources) {
      for (const mode of modes) {
        process.env.PORTCULLIS_POLICY_ACTIVATION = mode;
        const m = source === 'file' ? await viaFile(dir, small, big, rev) : await viaHttp(dir, small, big, rev);
        rows.push({ source, mode, dataMiB: data.length / MiB, gzMiB: big.length / MiB, revision: rev, ...m });
        console.error(`${source} ${mib} MiB ${mode}: activation ${m.activationMs.toFixed(0)} ms, longest stall ${m.r.maxGapMs.toFixed(0)} ms`);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nBundle activation with a large data.json — event-loop stalls while the new bundle activates (${machine()})`);
console.log('| source | data.json MiB | bundle .tar.gz MiB | activation | activation ms | longest stall ms (1 ms probe) | p99 tick gap ms | loop delay p99 / max ms (monitorEventLoopDelay) | probe ticks (evaluations, errors) | peak RSS MiB (process, sampled) |');
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const x of rows) {
  console.log(`| ${x.source} | ${x.dataMiB.toFixed(1)} | ${x.gzMiB.toFixed(1)} | ${x.mode} | ${x.activationMs.toFixed(0)} | ${x.r.maxGapMs.toFixed(0)} | ${x.r.p99GapMs.toFixed(1)} | ${x.r.histP99Ms.toFixed(1)} / ${x.r.histMaxMs.toFixed(0)} | ${x.r.ticks} (${x.r.evaluations}, ${x.r.errors}) | ${x.r.peakRssMiB.toFixed(0)} |`);
}
