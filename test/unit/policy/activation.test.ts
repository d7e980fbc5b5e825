// Bundle activation off the main thread (src/policy/activation/): the worker loads bundles exactly as the
// main thread did (same results, same errors with the same reasons and messages), Checks issued while a
// large bundle activates are all answered by the old or the new policy, the main thread no longer parses
// the data (neither JSON.parse nor the Wasm data load runs there — the inline mode shows the spies see
// both when they do), and a worker that dies fails only the update in flight.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { loadArchive, loadFiles } from '../../../src/policy/activation/activate.js';
import { ActivationWorker, activationWorker, WorkerUnavailableError } from '../../../src/policy/activation/client.js';
import { BundleFormatError, readBundleDir } from '../../../src/policy/bundle/archive.js';
import { dataValue, loadBundleArchive, loadBundleFiles, type LoadOptions } from '../../../src/policy/bundle/load.js';
import { BundleTarget } from '../../../src/policy/bundle-target.js';
import { FileBundleSource } from '../../../src/policy/sources/file-source.js';
import { PolicyLoadError } from '../../../src/policy/wasm/engine.js';
import { closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { runtimeFrom, silent } from '../helpers.js';
import { assertOldThenNew, checksDuring, withMode } from './checks-during.js';
import { makeTarGz, metricValue, opaBuild, simpleBundle } from './helpers.js';

const POLICY = `package sw

import rego.v1

default result := {"allowed": false}

result := {"allowed": true, "headers": {"x-policy-rev": data.sw.rev}} if input.attributes.request.http.path == "/ok"
`;

/** ~`mib` MiB of entitlement-like records under data.sw.users. */
function filler(mib: number): Record<string, unknown> {
  const users: Record<string, unknown> = {};
  let n = 0;
  for (let i = 0; n < mib * 1024 * 1024; i++) {
    const u = { name: `User ${i}`, groups: [`g${i % 31}`, `g${i % 7}`], attrs: { active: i % 3 !== 0, region: ['eu', 'us'][i % 2] } };
    users[`u${i}`] = u;
    n += 80;
  }
  return users;
}

const bundleOf = (rev: string, extra: Record<string, unknown> = {}) =>
  opaBuild({ files: { 'sw/p.rego': POLICY, 'data.json': JSON.stringify({ sw: { rev, ...extra } }) }, entrypoints: ['sw/result'], revision: rev });

const HS_KEY = 'bundle-hmac-secret-0123456789';

describe('bundle activation in a worker thread', () => {
  let dir: string;
  let big: Buffer;
  let old: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-activation-'));
    old = bundleOf('old');
    big = bundleOf('new', { users: filler(3) });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => activationWorker.stop());

  it('loads archives and directories as the main thread does: revision, entrypoints, builtins, digest, data', async () => {
    const bytes = simpleBundle('same', 'allow if data.same.on', { same: { on: true, list: [1, 'two', null, { three: 3.5 }] } }, 'r-same');
    const w = await loadArchive(bytes, {}, silent);
    const m = await loadBundleArchive(bytes);
    assert.equal(w.data.value, undefined, 'the main thread got JSON text, not a parsed document');
    assert.ok(w.data.json!.buffer instanceof SharedArrayBuffer, 'held in shared memory: rebuilds send it back without a copy');
    assert.deepEqual(dataValue(w.data), m.data.value);
    assert.deepEqual([w.bundle.revision, w.bundle.fileCount, w.digest, w.bundle.manifest], [m.bundle.revision, m.bundle.fileCount, m.digest, m.bundle.manifest]);
    assert.deepEqual([w.compiled.entrypoints, w.compiled.requiredBuiltins], [m.compiled.entrypoints, m.compiled.requiredBuiltins]);
    assert.equal(w.restorable, true);

    const d = join(dir, 'dir-bundle');
    mkdirSync(join(d, 'roles'), { recursive: true });
    writeFileSync(join(d, 'policy.wasm'), m.bundle.wasm);
    writeFileSync(join(d, 'data.json'), '{"same": {"on": true}}');
    writeFileSync(join(d, 'roles', 'data.json'), '{"admin": ["read", "write"]}');
    const files = await readBundleDir(d);
    const wd = await loadFiles(files, {}, silent);
    const md = await loadBundleFiles(files);
    assert.deepEqual(dataValue(wd.data), { same: { on: true }, roles: { admin: ['read', 'write'] } });
    assert.deepEqual([dataValue(wd.data), wd.digest], [md.data.value, md.digest]);
  });

  it('a bad bundle fails in the worker with the same error class, reason and message as on the main thread', async () => {
    const wasm = (await loadBundleArchive(old)).bundle.wasm;
    const hs = (key: string): LoadOptions => ({ signing: { keys: new Map([['default', { algorithm: 'HS256', key }]]) } });
    const signed = opaBuild({ files: { 'sw/p.rego': POLICY }, entrypoints: ['sw/result'], signingKey: HS_KEY, signingAlg: 'HS256' });
    const cases: Array<[string, Buffer, LoadOptions, RegExp]> = [
      ['not a tar', Buffer.from('this is not a bundle'), {}, /neither a gzip-compressed nor a plain tar/],
      ['corrupt gzip', Buffer.concat([old.subarray(0, 40), Buffer.alloc(200, 7)]), {}, /gzip|tar/],
      ['bad JSON in data', await makeTarGz([{ name: 'policy.wasm', content: wasm }, { name: 'acl/data.json', content: '{"admin": [' }]), {}, /acl\/data\.json is not valid JSON/],
      ['data outside the roots', await makeTarGz([{ name: '.manifest', content: '{"roots": ["a"]}' }, { name: 'policy.wasm', content: wasm }, { name: 'data.json', content: '{"b": 1}' }]), {}, /do not permit data at path '\/b'/],
      ['wrong signing key', signed, hs('another-secret'), /bundle signature is invalid/],
      ['unsigned but verification configured', old, hs(HS_KEY), /not signed/],
      ['too large', old, { limits: { maxBytes: 1024, maxFiles: 100 } }, /larger than 1024 bytes/],
      ['needs a builtin Portcullis lacks', simpleBundle('needs', 'allow if http.send({"method": "GET", "url": "http://127.0.0.1:1"}).status_code == 200'), {}, /http\.send/],
    ];
    await loadArchive(signed, hs(HS_KEY), silent); // the right key passes
    for (const [what, bytes, opts, message] of cases) {
      const inWorker = await loadArchive(bytes, opts, silent).then(() => undefined, (e: Error) => e);
      const inline = await loadBundleArchive(bytes, opts).then(() => undefined, (e: Error) => e);
      assert.ok(inWorker && inline, `${what}: refused`);
      assert.match(inWorker.message, message, what);
      assert.equal(inWorker.message, inline.message, what);
      assert.equal(inWorker.constructor, inline.constructor, what);
      assert.ok(inWorker instanceof BundleFormatError || inWorker instanceof PolicyLoadError, what);
      assert.equal((inWorker as BundleFormatError).reason, (inline as BundleFormatError).reason, what);
      if (inWorker instanceof PolicyLoadError) assert.deepEqual(inWorker.missingBuiltins, ['http.send']);
    }
  });

  /** Swap `old` for `big` through a runtime's watched file while Checks run; what every Check got, in order. */
  async function activateWhileChecking(mode: string | undefined): Promise<{ seen: string[]; during: number; parsedMax: number; setDataCalls: number }> {
    const file = join(dir, `swap-${mode ?? 'default'}.tar.gz`);
    writeFileSync(file, old);
    const rt: Runtime = await withMode(mode, () => runtimeFrom(`
policy:
  bundles:
    sw: { file: ${file} }
  default_entrypoint: sw/result
routes:
  - name: all
    match: { path: { prefix: / } }
    policy: {}
`));
    const inst = rt.modules.get('policy') as any;
    try {
      return await checksDuring(rt, {
        header: 'x-policy-rev', mode,
        change: () => writeFileSync(file, big),
        apply: async () => { await inst.sources[0].reload('test'); await inst.targets.get('sw').settled(); },
      });
    } finally {
      await closeRuntime(rt);
    }
  }

  it('Checks issued while a bundle with 3 MiB of data activates are all answered, by the old or the new policy', async () => {
    const r = await activateWhileChecking(undefined);
    assertOldThenNew(r.seen);
    assert.ok(r.during > 0, 'Checks ran while the bundle was activating');
  });

  it('the main thread neither parses the data nor loads it into Wasm; on the inline path it does both (the spies see it)', async () => {
    const w = await activateWhileChecking('worker');
    assertOldThenNew(w.seen);
    assert.equal(w.setDataCalls, 0, 'no Wasm data load on the main thread');
    assert.ok(w.parsedMax < 64 * 1024, `no large JSON.parse on the main thread (largest: ${w.parsedMax} characters)`);

    const i = await activateWhileChecking('inline');
    assertOldThenNew(i.seen);
    assert.ok(i.setDataCalls > 0, 'inline: the data is loaded into Wasm on the main thread');
    assert.ok(i.parsedMax > 3 * 1024 * 1024, 'inline: data.json is parsed on the main thread');
  });

  it('a worker that dies fails only the update in flight: counted, last good kept; the next update starts a new worker', async () => {
    const file = join(dir, 'crash.tar.gz');
    writeFileSync(file, old);
    const src = new FileBundleSource('crash', 'crash', file, false, {}, silent).retain();
    try {
      src.seed(await src.loadNow());
      writeFileSync(file, big);
      const failures = await metricValue('portcullis_policy_bundle_failures_total', { bundle: 'crash', reason: 'error' });
      const reload = src.reload('test');
      for (let i = 0; activationWorker.busy === 0 && i < 10_000; i++) await new Promise((r) => setImmediate(r));
      assert.equal(activationWorker.busy, 1, 'the load is in the worker');
      await activationWorker.stop();
      await reload;
      assert.equal(src.latest!.bundle.revision, 'old', 'last good kept');
      assert.match(src.status.lastError!, /the policy activation worker stopped/);
      assert.equal(await metricValue('portcullis_policy_bundle_failures_total', { bundle: 'crash', reason: 'error' }), failures + 1);
      await src.reload('again');
      assert.equal(src.latest!.bundle.revision, 'new');
      assert.equal(src.status.lastError, undefined);
    } finally {
      await src.release();
    }
  });

  it('data that does not fit the Wasm memory limit fails in the worker as a data error; the active policy stays', async () => {
    const file = join(dir, 'limit.tar.gz');
    writeFileSync(file, old);
    const memory = { initialPages: 5, maxPages: 64 }; // 4 MiB: the 3 MiB of records need ~40
    const src = new FileBundleSource('limit', 'limit', file, false, { memory }, silent).retain();
    const target = new BundleTarget('limit', src, [], memory, silent);
    try {
      src.seed(await src.loadNow());
      await target.init();
      assert.equal(target.active!.revision, 'old');
      const failures = await metricValue('portcullis_policy_bundle_failures_total', { bundle: 'limit', reason: 'data' });
      writeFileSync(file, big);
      await src.reload('test');
      await target.settled();
      assert.equal(src.latest!.bundle.revision, 'new', 'the bundle itself is fine');
      assert.equal(target.active!.revision, 'old', 'the engine that could not be built was not swapped in');
      assert.match(target.lastError!, /the data document cannot be loaded into the policy/);
      assert.equal(await metricValue('portcullis_policy_bundle_failures_total', { bundle: 'limit', reason: 'data' }), failures + 1);
      assert.equal(target.active!.engine.evaluate('sw/result', { attributes: { request: { http: { path: '/ok' } } } }) !== undefined, true);
    } finally {
      target.close();
      await src.release();
    }
  });

  it('a job that never finishes is taken as hung: the worker is stopped, its jobs fail, the next job gets a fresh worker', { timeout: 30_000 }, async () => {
    // a worker that says it is ready, answers its first job (so the test knows it started: under load a worker
    // can take longer to start than a job may run, and a job that times out before "ready" means "could not
    // start", the inline fallback), then never answers again
    const script = join(dir, 'hangs.mjs');
    writeFileSync(script, "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage({ ready: true });\nlet n = 0;\nparentPort.on('message', (m) => { if (n++ === 0) parentPort.postMessage({ id: m.id, ok: true, result: null }); });\n");
    const w = new ActivationWorker(new URL(`file://${script}`), 2000);
    try {
      assert.equal(await w.request({ op: 'load', archive: old, opts: {} }), null, 'the worker started and answered');
      const a = w.request({ op: 'load', archive: old, opts: {} });
      const b = w.request({ op: 'load', archive: old, opts: {} });
      for (const p of [a, b]) await assert.rejects(p, /the policy activation worker stopped: a job ran longer than 2 s/);
      assert.equal(w.busy, 0);
      assert.equal(await w.request({ op: 'load', archive: old, opts: {} }), null, 'a new worker');
      await assert.rejects(w.request({ op: 'load', archive: old, opts: {} }), /stopped: a job ran longer/, 'hanging again, it is stopped again');
    } finally {
      await w.stop();
    }
  });

  it('a worker that cannot start fails its requests as unavailable (the caller then works on the main thread)', async () => {
    const w = new ActivationWorker(new URL('file:///nonexistent/portcullis-activation-worker.js'));
    await assert.rejects(w.request({ op: 'load', archive: old, opts: {} }), (err: unknown) => err instanceof WorkerUnavailableError && /could not start/.test((err as Error).message));
    // a request that cannot be sent fails alone, and the worker stays usable
    await assert.rejects(activationWorker.request({ op: 'load', archive: old, opts: { bad: () => 1 } as unknown as LoadOptions }), /could not be cloned/);
    assert.equal(activationWorker.busy, 0);
    assert.equal((await loadArchive(old, {}, silent)).bundle.revision, 'old');
    // and the fallback still loads (activate.ts catches WorkerUnavailableError); here through the inline mode
    const lb = await withMode('inline', () => loadArchive(old, {}, silent));
    assert.equal(lb.data.value !== undefined, true);
  });
});
