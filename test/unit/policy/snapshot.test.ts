// wasm/snapshot.ts: an OPA policy instance with its data, moved from the activation worker to the main
// thread as a copy of its linear memory. Checked here in one thread: the restored engine must answer
// exactly as one that loaded the data itself, keep doing so over many evaluations (opa-wasm resets the
// heap to the data's end before each), and the guards must refuse what does not fit.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadBundleArchive, type LoadedBundle } from '../../../src/policy/bundle/load.js';
import { DEFAULT_MEMORY, instantiateWithData, PolicyLoadError, WasmEngine } from '../../../src/policy/wasm/engine.js';
import { restoreSnapshot, snapshotUnsupported, takeSnapshot } from '../../../src/policy/wasm/snapshot.js';
import { examplesBundle, opaBuild } from './helpers.js';

const REGO = `import rego.v1

default allow := false

allow if {
  user := data.acl.users[input.user]
  user.active
  input.action in data.acl.roles[user.role]
}

names contains u.name if some u in data.acl.users
`;

function acl(n: number, offset = 0): Record<string, unknown> {
  const users: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) users[`u${i}`] = { name: `User ${i + offset}`, role: ['reader', 'writer', 'admin'][i % 3], active: i % 5 !== 0, tags: [`t${i % 7}`, 'x'.repeat(i % 40)] };
  return { acl: { users, roles: { reader: ['read'], writer: ['read', 'write'], admin: ['read', 'write', 'delete'] } } };
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

describe('policy snapshots (an instance with data, copied between threads)', () => {
  let lb: LoadedBundle;
  before(async () => { lb = await loadBundleArchive(opaBuild({ files: { 'acl/p.rego': `package acl\n\n${REGO}` }, entrypoints: ['acl/allow', 'acl/names'] })); });

  it('a restored engine answers exactly like one that loaded the data itself, evaluation after evaluation', async () => {
    const data = acl(3000);
    const direct = await WasmEngine.create(lb.compiled, data);
    const snap = takeSnapshot(await instantiateWithData(lb.compiled, json(data)));
    assert.ok(snap.memory.byteLength > 1_000_000 && snap.memory.byteLength === snap.dataHeapPtr, 'the copy holds the parsed data, up to the heap pointer');
    const restored = await WasmEngine.fromSnapshot(lb.compiled, snap, DEFAULT_MEMORY);
    const inputs: unknown[] = [];
    for (let i = 0; i < 200; i++) inputs.push({ user: `u${(i * 37) % 3100}`, action: ['read', 'write', 'delete', 'x'][i % 4] });
    // a large input makes the instance grow past the pages it was restored with
    inputs.push({ user: 'u1', action: 'read', padding: 'p'.repeat(4 * 1024 * 1024) });
    let allowed = 0;
    for (const input of inputs) {
      const want = direct.evaluate('acl/allow', input);
      assert.equal(restored.evaluate('acl/allow', input), want, JSON.stringify(input).slice(0, 80));
      if (want === true) allowed++;
    }
    assert.ok(allowed > 20 && allowed < inputs.length - 20, 'the inputs cover allow and deny');
    assert.deepEqual(restored.evaluate('acl/names', {}), direct.evaluate('acl/names', {}));
    assert.equal((restored.evaluate('acl/names', {}) as string[]).length, 3000);
  });

  it('the committed example bundle, restored, still gives its decisions', async () => {
    const ex = await loadBundleArchive(examplesBundle());
    const snap = takeSnapshot(await instantiateWithData(ex.compiled, json(ex.data.value)));
    const restored = await WasmEngine.fromSnapshot(ex.compiled, snap);
    const direct = await WasmEngine.create(ex.compiled, ex.data.value);
    const input = { attributes: { request: { http: { method: 'GET', path: '/people/1', headers: {} } } }, parsed_path: ['people', '1'] };
    assert.deepEqual(restored.evaluate('envoy/authz/result', input), direct.evaluate('envoy/authz/result', input));
  });

  it('restoring copies in slices (the main thread yields between them) and checks the allocator state read back', async () => {
    const data = acl(2000);
    const snap = takeSnapshot(await instantiateWithData(lb.compiled, json(data)));
    const fresh = await instantiateWithData(lb.compiled, json({}), { ...DEFAULT_MEMORY, initialPages: snap.pages });
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    try {
      await restoreSnapshot(fresh, snap, 64 * 1024);
    } finally {
      clearInterval(tick);
    }
    assert.ok(turns > 0, 'timers ran during the copy');
    assert.equal(fresh.evaluate({ user: 'u1', action: 'read' }, 'acl/allow')[0].result, true);

    // the heap pointer recorded in the copied memory must be the one the worker reported
    const other = await instantiateWithData(lb.compiled, json({}), { ...DEFAULT_MEMORY, initialPages: snap.pages });
    await assert.rejects(restoreSnapshot(other, { ...snap, dataHeapPtr: snap.dataHeapPtr + 8 }), /heap pointer reads/);
    // a module instantiated differently (other heap base) is refused before anything is copied
    await assert.rejects(restoreSnapshot(other, { ...snap, baseHeapPtr: snap.baseHeapPtr + 16 }), /heap base/);
    // an instance smaller than the worker's memory is refused
    const small = await instantiateWithData(lb.compiled, json({}));
    await assert.rejects(restoreSnapshot(small, snap), /needs \d+ pages/);
  });

  it('a snapshot larger than the configured memory limit is a data error', async () => {
    const snap = takeSnapshot(await instantiateWithData(lb.compiled, json(acl(1000))));
    await assert.rejects(WasmEngine.fromSnapshot(lb.compiled, snap, { initialPages: 5, maxPages: snap.pages - 1 }), (err: unknown) =>
      err instanceof PolicyLoadError && err.reason === 'data' && /needs \d+ pages of Wasm memory \(limit/.test(err.message));
  });

  it('only modules that keep their state in linear memory qualify', () => {
    assert.equal(snapshotUnsupported(lb.bundle.wasm), undefined, 'opa build output qualifies');
    const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const twoMutableGlobals = new Uint8Array([...header, 0x06, 0x0b, 0x02, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x7f, 0x01, 0x41, 0x00, 0x0b]);
    const importsAGlobal = new Uint8Array([...header, 0x02, 0x0a, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f, 0x00]);
    const oneMutableGlobal = new Uint8Array([...header, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b]);
    for (const m of [twoMutableGlobals, importsAGlobal, oneMutableGlobal]) assert.ok(WebAssembly.validate(m), 'the hand-made modules are valid Wasm');
    assert.match(snapshotUnsupported(twoMutableGlobals)!, /2 mutable globals/);
    assert.match(snapshotUnsupported(importsAGlobal)!, /imports a global/);
    assert.equal(snapshotUnsupported(oneMutableGlobal), undefined);
    assert.match(snapshotUnsupported(new Uint8Array([...header, 0x06, 0x40, 0x01]))!, /cannot be read/);
  });
});
