// Loading a policy runs its Wasm outside any evaluation: the start function, the OPA ABI calls
// opa-wasm makes while setting the instance up (builtins, entrypoints), the builtins list compilePolicy
// reads, loading the data document (setData: opa_json_parse), and the heap pointer read after a
// snapshot is copied in. Each loop there is instrumented too; these tests check each is bounded and
// refused with a PolicyLoadError naming what did not finish. The modules are made here: just enough of
// the OPA Wasm ABI for opa-wasm to load them, with an endless loop in the one place under test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat, name, u32 } from '../../../src/policy/wasm/binary-writer.js';
import { compilePolicy, instantiateWithData, PolicyLoadError, WasmEngine } from '../../../src/policy/wasm/engine.js';

/** Where the module loops forever: a function on its n-th call (1 = every call), or the start function. */
type LoopAt = { fn: 'start' | 'builtins' | 'opa_json_parse' | 'opa_heap_ptr_get'; call: number } | undefined;

const section = (id: number, payload: number[]) => [id, ...u32(payload.length), ...payload];
const vec = (items: number[][]) => [...u32(items.length), ...items.flat()];
const i32 = (n: number) => [0x41, ...u32(n)]; // small non-negative constants only (LEB of n < 64 is the same signed)
const FOREVER = [0x03, 0x40, 0x0c, 0x00, 0x0b]; // loop; br 0; end

/** Body of a function that loops forever on its `call`-th call (global `g` counts the calls), else runs `rest`. */
function body(loops: boolean, call: number, g: number, rest: number[]): number[] {
  const code = loops
    ? [0x23, g, ...i32(1), 0x6a, 0x24, g, 0x23, g, ...i32(call), 0x4f, 0x04, 0x40, ...FOREVER, 0x0b, ...rest]
    : rest;
  return [...u32(code.length + 2), 0x00, ...code, 0x0b];
}

/**
 * A module opa-wasm can load: builtins() → "{}", entrypoints() → {"t/p":0}, opa_json_dump returns its
 * argument (the values are stored as JSON text), opa_malloc, opa_json_parse, opa_heap_ptr_get/set.
 */
function fakeOpa(loop: LoopAt): Uint8Array {
  const at = (fn: string) => loop?.fn === fn;
  const call = loop?.call ?? 1;
  const types = [
    [0x60, 0x00, 0x01, 0x7f], // 0: () -> i32
    [0x60, 0x01, 0x7f, 0x01, 0x7f], // 1: (i32) -> i32
    [0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f], // 2: (i32, i32) -> i32
    [0x60, 0x01, 0x7f, 0x00], // 3: (i32) -> ()
    [0x60, 0x00, 0x00], // 4: () -> ()
  ];
  // functions: 0 builtins, 1 opa_json_dump, 2 entrypoints, 3 opa_malloc, 4 opa_json_parse, 5 opa_heap_ptr_get, 6 opa_heap_ptr_set, 7 start
  const funcTypes = [0, 1, 0, 1, 2, 0, 3, 4];
  const bodies = [
    body(at('builtins'), call, 2, i32(16)),
    body(false, 0, 2, [0x20, 0x00]),
    body(false, 0, 2, i32(32)),
    body(false, 0, 2, [0x41, 0x80, 0x08]), // 1024
    body(at('opa_json_parse'), call, 2, i32(48)),
    body(at('opa_heap_ptr_get'), call, 2, [0x41, 0x80, 0x20]), // 4096
    body(false, 0, 2, []),
    body(at('start'), call, 2, []),
  ];
  const exports: Array<[string, number, number]> = [
    ['builtins', 0, 0], ['opa_json_dump', 0, 1], ['entrypoints', 0, 2], ['opa_malloc', 0, 3], ['opa_json_parse', 0, 4],
    ['opa_heap_ptr_get', 0, 5], ['opa_heap_ptr_set', 0, 6], ['opa_wasm_abi_version', 3, 0], ['opa_wasm_abi_minor_version', 3, 1],
  ];
  const data = (offset: number, text: string) => [0x00, ...i32(offset), 0x0b, ...name(`${text}\0`)];
  return concat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, vec(types)),
    section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    section(3, vec(funcTypes.map((t) => [t]))),
    // globals: 0 abi version (1), 1 abi minor version (1), 2 the call counter
    section(6, vec([[0x7f, 0x00, ...i32(1), 0x0b], [0x7f, 0x00, ...i32(1), 0x0b], [0x7f, 0x01, ...i32(0), 0x0b]])),
    section(7, vec(exports.map(([n, kind, index]) => [...name(n), kind, index]))),
    section(8, [7]),
    section(10, [...u32(bodies.length), ...bodies.flat()]),
    section(11, vec([data(16, '{}'), data(32, '{"t/p":0}')])),
  ]);
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function loadError(reason: PolicyLoadError['reason'], message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof PolicyLoadError, String(err));
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    return true;
  };
}

describe('loading a policy that never finishes', () => {
  it('the hand-made module loads and takes data when it does not loop (the tests below are not refused for another reason)', async () => {
    const compiled = await compilePolicy(fakeOpa(undefined));
    assert.deepEqual(compiled.entrypoints, ['t/p']);
    await instantiateWithData(compiled, json({ a: 1 }));
    await WasmEngine.fromSnapshot(compiled, { memory: new ArrayBuffer(64), pages: 1, dataAddr: 48, dataHeapPtr: 4096, baseHeapPtr: 4096 });
  });

  it('loading the data document (setData) is stopped at the load deadline: PolicyLoadError "data"', async () => {
    const compiled = await compilePolicy(fakeOpa({ fn: 'opa_json_parse', call: 2 }));
    await assert.rejects(instantiateWithData(compiled, json({ a: 1 }), undefined, 20), loadError('data', /loading the data document into policy\.wasm did not finish within 20 ms/));
    await assert.rejects(WasmEngine.create(compiled, { a: 1 }, undefined, 20), loadError('data', /did not finish within 20 ms/));
  });

  it('the builtins list compilePolicy reads is stopped at the ABI call deadline', async () => {
    await assert.rejects(compilePolicy(fakeOpa({ fn: 'builtins', call: 2 }), undefined, 20), loadError('wasm', /builtins list .*did not finish within 20 ms/));
  });

  it('the heap pointer read after a snapshot is copied in is stopped at the ABI call deadline', async () => {
    const compiled = await compilePolicy(fakeOpa({ fn: 'opa_heap_ptr_get', call: 2 }));
    const snap = { memory: new ArrayBuffer(64), pages: 1, dataAddr: 48, dataHeapPtr: 4096, baseHeapPtr: 4096 };
    await assert.rejects(WasmEngine.fromSnapshot(compiled, snap, undefined, 20), loadError('wasm', /opa_heap_ptr_get did not finish within 20 ms/));
  });

  it('a start function that never finishes is refused, saying so', async () => {
    await assert.rejects(compilePolicy(fakeOpa({ fn: 'start', call: 1 })), loadError('wasm', /start function did not finish/));
  });

  it('an ABI call opa-wasm makes while setting the instance up (before the deadline is installed) ends too', async () => {
    await assert.rejects(compilePolicy(fakeOpa({ fn: 'builtins', call: 1 })), loadError('wasm', /cannot be loaded/));
  });
});
