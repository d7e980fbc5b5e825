// Policy data sources off the main thread (data/read.ts run by the activation worker): Checks issued
// while a large data file is applied are all answered with the old or the new data, the main thread
// neither parses the document nor loads it into Wasm (the inline mode shows the spies see both when it
// does), and the worker and inline paths give the same documents, errors, metrics and decisions.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { activationWorker } from '../../../src/policy/activation/client.js';
import { BundleTarget } from '../../../src/policy/bundle-target.js';
import { docValue } from '../../../src/policy/data/data-doc.js';
import type { DataSource } from '../../../src/policy/data/data-source.js';
import { FileDataSource } from '../../../src/policy/data/file-data.js';
import { RedisHashDataSource } from '../../../src/policy/data/redis-data.js';
import { FileBundleSource } from '../../../src/policy/sources/file-source.js';
import { DEFAULT_MEMORY } from '../../../src/policy/wasm/engine.js';
import { closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { runtimeFrom, silent } from '../helpers.js';
import { assertOldThenNew, checksDuring, withMode } from './checks-during.js';
import { metricValue, opaBuild } from './helpers.js';

const POLICY = `package sw

import rego.v1

default result := {"allowed": false}

result := {"allowed": true, "headers": {"x-data-rev": data.sw.rev}} if input.attributes.request.http.path == "/ok"

default member := false

member if input.user in object.keys(data.sw.users)
`;

/** ~`mib` MiB of user records. */
function users(mib: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let n = 0;
  for (let i = 0; n < mib * 1024 * 1024; i++) {
    out[`u${i}`] = { name: `User ${i}`, groups: [`g${i % 31}`, `g${i % 7}`], attrs: { active: i % 3 !== 0, region: ['eu', 'us'][i % 2] } };
    n += 80;
  }
  return out;
}

describe('policy data sources read off the main thread', () => {
  let dir: string;
  let bundle: Buffer;
  let bigText: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-data-activation-'));
    bundle = opaBuild({ files: { 'sw/p.rego': POLICY, 'data.json': JSON.stringify({ sw: { rev: 'bundle', users: {} } }) }, entrypoints: ['sw/result', 'sw/member'], revision: 'b1' });
    bigText = JSON.stringify({ rev: 'new', users: users(3) });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => activationWorker.stop());

  /** Replace the data file (old → 3 MiB new) of a runtime while Checks run; what every Check got, in order. */
  async function updateWhileChecking(mode: string | undefined): Promise<{ seen: string[]; during: number; parsedMax: number; setDataCalls: number }> {
    const bfile = join(dir, `b-${mode ?? 'default'}.tar.gz`);
    const dfile = join(dir, `sw-${mode ?? 'default'}.json`);
    writeFileSync(bfile, bundle);
    writeFileSync(dfile, JSON.stringify({ rev: 'old', users: {} }));
    const rt: Runtime = await withMode(mode, () => runtimeFrom(`
policy:
  bundles:
    sw: { file: ${bfile} }
  data:
    - { name: sw-${mode ?? 'default'}, path: sw, file: ${dfile} }
  default_entrypoint: sw/result
routes:
  - name: all
    match: { path: { prefix: / } }
    policy: {}
`));
    const inst = rt.modules.get('policy') as any;
    try {
      const r = await checksDuring(rt, {
        header: 'x-data-rev', mode,
        change: () => writeFileSync(dfile, bigText),
        apply: async () => { await inst.dataSources[0].reload('test'); await inst.targets.get('sw').settled(); },
      });
      assert.equal(inst.targets.get('sw').active.engine.evaluate('sw/member', { user: 'u1000' }), true, 'the new users are in the engine');
      return r;
    } finally {
      await closeRuntime(rt);
    }
  }

  it('Checks issued while a 3 MiB data file is applied are all answered, with the old or the new data', async () => {
    const r = await updateWhileChecking(undefined);
    assertOldThenNew(r.seen);
    assert.ok(r.during > 0, 'Checks ran while the data was applied');
  });

  it('the main thread neither parses the data file nor loads it into Wasm; inline it does both (the spies see it)', async () => {
    const w = await updateWhileChecking('worker');
    assertOldThenNew(w.seen);
    assert.equal(w.setDataCalls, 0, 'no Wasm data load on the main thread');
    assert.ok(w.parsedMax < 64 * 1024, `no large JSON.parse on the main thread (largest: ${w.parsedMax} characters)`);

    const i = await updateWhileChecking('inline');
    assertOldThenNew(i.seen);
    assert.ok(i.setDataCalls > 0, 'inline: the data is loaded into Wasm on the main thread');
    assert.ok(i.parsedMax >= bigText.length, 'inline: the data file is parsed on the main thread');
  });

  it('a Redis hash\'s fields are parsed in the worker, not on the main thread', async () => {
    const store = new MemoryStore();
    const src = new RedisHashDataSource('h-spy', 'h-spy', ['sw', 'users'], store, { hash: 'spy', values: 'json', refreshMs: 60_000 }, silent).retain();
    const parse = JSON.parse;
    let parses = 0;
    try {
      for (const [k, v] of Object.entries(users(0.5))) await store.hset('spy', k, JSON.stringify(v));
      JSON.parse = function (text: string, ...rest: any[]) { parses++; return (parse as any).call(JSON, text, ...rest); } as typeof JSON.parse;
      await withMode('worker', () => src.reload('test'));
      JSON.parse = parse;
      assert.equal(src.status.lastError, undefined);
      assert.equal(parses, 0, 'no field parsed on the main thread');
      assert.ok(src.latest!.json, 'the document is JSON text from the worker');
      assert.equal((docValue(src.latest!) as any).u10.name, 'User 10');
      await store.hset('spy', 'another', '{"name": "Another"}');
      JSON.parse = function (text: string, ...rest: any[]) { parses++; return (parse as any).call(JSON, text, ...rest); } as typeof JSON.parse;
      await withMode('inline', () => src.reload('test2'));
      JSON.parse = parse;
      assert.ok(parses > 1000, `inline: every field is parsed on the main thread (${parses})`);
    } finally {
      JSON.parse = parse;
      await src.release();
      await store.close();
    }
  });

  /** One data update step as observable from outside: status, document, metric deltas, decisions. */
  interface Step { what: string; loaded: boolean; failures: number; lastError?: string; digest?: string; value: unknown; updated: number; unchanged: number; failed: number; decisions: unknown[] }

  async function trace(mode: 'worker' | 'inline', make: (name: string) => Promise<{ src: DataSource & { reload(t: string): Promise<void> }; steps: Array<[string, () => Promise<void> | void]> }>, inputs: unknown[], entry: string): Promise<Step[]> {
    return withMode(mode, async () => {
      const name = `diff-${mode}-${Math.random().toString(36).slice(2, 8)}`;
      const bfile = join(dir, `${name}.tar.gz`);
      writeFileSync(bfile, bundle);
      const bsrc = new FileBundleSource(name, name, bfile, false, {}, silent).retain();
      bsrc.seed(await bsrc.loadNow());
      const { src, steps } = await make(name);
      const target = new BundleTarget(name, bsrc, [src], DEFAULT_MEMORY, silent);
      const out: Step[] = [];
      const metric = (result: string) => metricValue('portcullis_policy_data_updates_total', { source: name, result });
      try {
        await target.init();
        for (const [what, act] of steps) {
          const before = [await metric('updated'), await metric('unchanged'), await metric('failure')];
          await act();
          await src.reload(what);
          await target.settled();
          const after = [await metric('updated'), await metric('unchanged'), await metric('failure')];
          out.push({
            what,
            loaded: src.loaded,
            failures: src.status.failures,
            lastError: src.status.lastError?.replaceAll(name, '<name>'),   // the file or hash is named after the mode
            digest: src.latest?.digest,
            value: src.latest && docValue(src.latest),
            updated: after[0]! - before[0]!, unchanged: after[1]! - before[1]!, failed: after[2]! - before[2]!,
            decisions: inputs.map((input) => target.active!.engine.evaluate(entry, input)),
          });
        }
        return out;
      } finally {
        target.close();
        await src.release();
        await bsrc.release();
      }
    });
  }

  it('worker and inline give the same documents, digests, errors, metrics and decisions for a data file (JSON and YAML)', async () => {
    const inputs = [{ user: 'alice' }, { user: 'bob' }, { user: 'carol' }];
    for (const ext of ['json', 'yaml']) {
      const run = (mode: 'worker' | 'inline') => trace(mode, async (name) => {
        const file = join(dir, `${name}.${ext}`);
        const w = (doc: unknown, pretty = false) => writeFileSync(file, ext === 'json' ? JSON.stringify(doc, null, pretty ? 2 : 0) : `# users\n${Object.keys(doc as object).map((k) => `${k}: ${JSON.stringify((doc as any)[k])}`).join('\n')}\n`);
        w({ alice: { n: 1 } });
        const src = new FileDataSource(name, name, ['sw', 'users'], file, silent).retain();
        src.set(await src.readNow(), 'config');
        return {
          src,
          steps: [
            ['the same bytes again', () => w({ alice: { n: 1 } })],
            ['the same document written differently', () => ext === 'json' ? w({ alice: { n: 1 } }, true) : writeFileSync(file, 'alice:\n  n: 1\n')],
            ['a changed document', () => w({ alice: { n: 1 }, bob: { n: 2 } })],
            ['not parsable', () => writeFileSync(file, ext === 'json' ? '{"alice": ' : 'alice: [unclosed\n')],
            ['over 64 MiB', () => truncateSync(file, 64 * 1024 * 1024 + 1)],
            ['gone', () => unlinkSync(file)],
            ['back, changed again', () => w({ carol: { n: 3 } })],
          ],
        };
      }, inputs, 'sw/member');
      const worker = await run('worker');
      const inline = await run('inline');
      assert.deepEqual(worker, inline, ext);
      // and what they both did is what a data source should do
      const [same, reformatted, changed, bad, large, gone, back] = worker;
      assert.deepEqual([same!.updated, same!.unchanged, reformatted!.updated, reformatted!.unchanged, changed!.updated], [0, 1, 0, 1, 1], ext);
      assert.deepEqual(changed!.decisions, [true, true, false], ext);
      assert.match(bad!.lastError!, new RegExp(`${ext}.* is not valid ${ext === 'json' ? 'JSON' : 'YAML'}`), ext);
      assert.match(large!.lastError!, /is larger than 67108864 bytes/, ext);
      assert.match(gone!.lastError!, /ENOENT/, ext);
      for (const s of [bad, large, gone]) {
        assert.equal(s!.failed, 1, `${ext} ${s!.what}: counted`);
        assert.deepEqual(s!.decisions, [true, true, false], `${ext} ${s!.what}: the last good document stays`);
        assert.equal(s!.digest, changed!.digest, `${ext} ${s!.what}: the last good document stays`);
      }
      assert.deepEqual([back!.lastError, back!.updated, back!.decisions], [undefined, 1, [false, false, true]], ext);
    }
  });

  it('worker and inline give the same documents, digests, errors, metrics and decisions for a Redis hash (json and string values)', async () => {
    for (const values of ['json', 'string'] as const) {
      const run = (mode: 'worker' | 'inline') => {
        const store = new MemoryStore();
        return trace(mode, async (name) => {
          await store.hset(name, 'alice', '{"n": 1}');
          const src = new RedisHashDataSource(name, name, ['sw', 'users'], store, { hash: name, values, refreshMs: 60_000 }, silent).retain();
          return {
            src,
            steps: [
              ['first read', () => undefined],
              ['unchanged', () => undefined],
              ['a new field', () => store.hset(name, 'bob', '[1, 2]')],
              ['a field that is not JSON', () => store.hset(name, 'mallory', '{nope')],
              ['fixed', () => store.hdel(name, 'mallory')],
              ['a changed field', () => store.hset(name, 'bob', '"two"')],
            ],
          };
        }, [{ user: 'alice' }, { user: 'bob' }, { user: 'mallory' }], 'sw/member').finally(() => store.close());
      };
      const worker = await run('worker');
      const inline = await run('inline');
      assert.deepEqual(worker, inline, values);
      const [first, unchanged, added, bad, fixed, changed] = worker;
      assert.deepEqual([first!.updated, unchanged!.unchanged, added!.updated, changed!.updated], [1, 1, 1, 1], values);
      assert.deepEqual(added!.decisions, [true, true, false], values);
      if (values === 'json') {
        assert.deepEqual(first!.value, { alice: { n: 1 } });
        assert.match(bad!.lastError!, /^field "mallory" of hash <name> is not valid JSON$/);
        assert.deepEqual([bad!.failed, bad!.digest], [1, added!.digest], 'the last good table stays');
        assert.deepEqual(bad!.decisions, [true, true, false]);
        assert.deepEqual([fixed!.unchanged, fixed!.digest], [1, added!.digest]);
        assert.deepEqual(changed!.value, { alice: { n: 1 }, bob: 'two' });
      } else {
        assert.deepEqual(first!.value, { alice: '{"n": 1}' });
        assert.deepEqual([bad!.updated, bad!.decisions], [1, [true, true, true]], 'string values are not parsed');
        assert.deepEqual(changed!.value, { alice: '{"n": 1}', bob: '"two"' });
      }
    }
  });

  it('a hash field named __proto__ is data like any other, in the worker and inline', async () => {
    for (const mode of ['worker', 'inline']) {
      const store = new MemoryStore();
      const src = new RedisHashDataSource(`proto-${mode}`, `proto-${mode}`, ['sw', 'users'], store, { hash: 'proto', values: 'json', refreshMs: 60_000 }, silent).retain();
      try {
        await store.hset('proto', 'reader', '["/a"]');
        await store.hset('proto', '__proto__', '{"admin": true}');
        await withMode(mode, () => src.reload('test'));
        const v = docValue(src.latest!) as Record<string, unknown>;
        assert.deepEqual(Object.keys(v), ['reader', '__proto__'], mode);
        assert.equal(Object.getPrototypeOf(v), Object.prototype, `${mode}: the table's prototype is untouched`);
        assert.equal((v as any).admin, undefined, mode);
        assert.deepEqual(Object.getOwnPropertyDescriptor(v, '__proto__')!.value, { admin: true }, mode);
      } finally {
        await src.release();
        await store.close();
      }
    }
  });

  it('a worker that dies while reading a data file fails only that refresh: counted, last good kept; the next one works', async () => {
    const file = join(dir, 'crash.json');
    writeFileSync(file, JSON.stringify({ rev: 'old' }));
    const src = new FileDataSource('crash', 'crash', ['sw'], file, silent).retain();
    try {
      src.set(await src.readNow(), 'config');
      const good = src.latest!.digest;
      writeFileSync(file, bigText);
      const failures = await metricValue('portcullis_policy_data_updates_total', { source: 'crash', result: 'failure' });
      const reload = src.reload('test');
      for (let i = 0; activationWorker.busy === 0 && i < 10_000; i++) await new Promise((r) => setImmediate(r));
      assert.equal(activationWorker.busy, 1, 'the read is in the worker');
      await activationWorker.stop();
      await reload;
      assert.equal(src.latest!.digest, good, 'last good kept');
      assert.match(src.status.lastError!, /the policy activation worker stopped/);
      assert.equal(await metricValue('portcullis_policy_data_updates_total', { source: 'crash', result: 'failure' }), failures + 1);
      await src.reload('again');
      assert.equal(src.status.lastError, undefined);
      assert.equal((docValue(src.latest!) as { rev: string }).rev, 'new');
    } finally {
      await src.release();
    }
  });
});
