import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadBundleArchive } from '../../../src/policy/bundle/load.js';
import { PolicyEvalError, WasmEngine } from '../../../src/policy/wasm/engine.js';
import { opaBuild } from './helpers.js';

// A policy that runs out of Wasm memory on a large input.n: OPA's allocator calls opa_abort
// ("opa_malloc: failed"), which throws through the Wasm frames. The C stack pointer (a mutable Wasm
// global) is not unwound by such a throw: unless Portcullis puts it back, every trap leaks the stack
// frames it was in, and after some hundred traps every evaluation fails.
const REGO = `package t
import rego.v1
default allow := false
allow if {
  count([x | some x in numbers.range(1, input.n)]) > 0
}
`;

describe('an evaluation that traps inside the Wasm', () => {
  it('leaves the engine working after many traps (the stack pointer is restored)', async () => {
    const lb = await loadBundleArchive(opaBuild({ files: { 'p.rego': REGO }, entrypoints: ['t/allow'] }));
    const memory = { initialPages: 5, maxPages: 64 };
    const engine = await WasmEngine.create(lb.compiled, {}, memory);
    // the lead measured the instance broken after 815 traps; 2000 is well past that
    for (let i = 0; i < 2000; i++) {
      assert.throws(() => engine.evaluate('t/allow', { n: 1e7 }), (err: unknown) => err instanceof PolicyEvalError && /opa_malloc/.test(err.message), `trap ${i + 1}`);
      if (i % 100 === 99) assert.equal(engine.evaluate('t/allow', { n: 10 }), true, `after ${i + 1} traps`);
    }
    assert.equal(engine.evaluate('t/allow', { n: 10 }), true);
  });
});
