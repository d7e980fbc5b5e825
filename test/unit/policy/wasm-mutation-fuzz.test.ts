// Seeded mutation fuzz of the policy.wasm path (wasm/rewrite-policy.ts and its decoders, then
// WebAssembly.compile and the OPA SDK, wasm/engine.ts): a real `opa build` policy.wasm with bytes
// flipped, overwritten, inserted, removed, truncated, extended, LEB128 fields made overlong or huge, and
// sections duplicated. Oracle: compilePolicy either returns a policy that evaluates (or fails the
// evaluation with PolicyEvalError) or throws PolicyLoadError — never another exception type.
// CI runs PORTCULLIS_WASM_FUZZ_N (default 40) cases; a deep run: PORTCULLIS_WASM_FUZZ_N=2000.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readArchive } from '../../../src/policy/bundle/archive.js';
import { compilePolicy, PolicyEvalError, PolicyLoadError, WasmEngine } from '../../../src/policy/wasm/engine.js';
import { Rng } from '../pipeline/fuzz/prng.js';
import { opaBuild } from './helpers.js';

const N = Number(process.env.PORTCULLIS_WASM_FUZZ_N ?? 40);
const SEED = Number(process.env.PORTCULLIS_WASM_FUZZ_SEED ?? 0x5eed12);

const POLICY = `package fz
import rego.v1
default allow := false
allow if { some r in input.roles; r == data.fz.role }
n := count([x | some x in input.roles; startswith(x, "a")])
`;

async function policyWasm(): Promise<Buffer> {
  const files = await readArchive(opaBuild({ files: { 'fz/p.rego': POLICY }, entrypoints: ['fz/allow', 'fz/n'] }));
  return files.get('policy.wasm')!;
}

/** Byte offsets of the module's sections: [id, start of the size field, start of the payload, end]. */
function sectionsOf(w: Uint8Array): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
  let p = 8;
  while (p < w.length) {
    const id = w[p]!;
    const sizeAt = p + 1;
    let size = 0;
    let shift = 0;
    p = sizeAt;
    for (;;) { const b = w[p++]!; size += (b & 0x7f) * 2 ** shift; shift += 7; if (!(b & 0x80)) break; }
    out.push([id, sizeAt, p, p + size]);
    p += size;
  }
  return out;
}

function mutate(orig: Buffer, rng: Rng): { bytes: Buffer; what: string } {
  const b = Buffer.from(orig);
  const secs = sectionsOf(orig);
  const kind = rng.int(9);
  const at = rng.int(b.length);
  switch (kind) {
    case 0: { const bit = rng.int(8); b[at] = b[at]! ^ (1 << bit); return { bytes: b, what: `flip bit ${bit} of byte ${at}` }; }
    case 1: { const v = rng.int(256); b[at] = v; return { bytes: b, what: `byte ${at} := 0x${v.toString(16)}` }; }
    case 2: { const n = 1 + rng.int(4); return { bytes: Buffer.concat([b.subarray(0, at), rng.bytes(n), b.subarray(at)]), what: `insert ${n} bytes at ${at}` }; }
    case 3: { const n = 1 + rng.int(4); return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + n)]), what: `remove ${n} bytes at ${at}` }; }
    case 4: return { bytes: b.subarray(0, at), what: `truncate to ${at}` };
    case 5: { const n = 1 + rng.int(64); return { bytes: Buffer.concat([b, rng.bytes(n)]), what: `extend by ${n}` }; }
    case 6: { // a section's size field: huge, or one more/less
      const [id, sizeAt, payload] = rng.pick(secs);
      const field = rng.pick([[0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x00], [0xff, 0xff, 0xff, 0xff, 0x7f]]);
      return { bytes: Buffer.concat([b.subarray(0, sizeAt), Buffer.from(field), b.subarray(payload)]), what: `section ${id} size := ${Buffer.from(field).toString('hex')}` };
    }
    case 7: { // a section's first count (vector length): billions, or overlong
      const [id, , payload, end] = rng.pick(secs.filter((s) => s[0] !== 0 && s[3] > s[2]));
      let p = payload;
      while (b[p]! & 0x80) p++;
      const field = rng.pick([[0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x10], [0x81, 0x80, 0x80, 0x80, 0x00]]);
      const body = Buffer.concat([Buffer.from(field), b.subarray(p + 1, end)]);
      const size: number[] = [];
      let s = body.length;
      do { let x = s & 0x7f; s >>>= 7; if (s) x |= 0x80; size.push(x); } while (s);
      return { bytes: Buffer.concat([b.subarray(0, secs.find((x) => x[2] === payload)![1]), Buffer.from(size), body, b.subarray(end)]), what: `section ${id} count := ${Buffer.from(field).toString('hex')}` };
    }
    default: { // a section duplicated
      const [id, sizeAt, , end] = rng.pick(secs);
      const sec = b.subarray(sizeAt - 1, end);
      return { bytes: Buffer.concat([b.subarray(0, end), sec, b.subarray(end)]), what: `section ${id} duplicated` };
    }
  }
}

describe('policy.wasm mutation fuzz (compilePolicy)', () => {
  it(`${N} mutations of a real opa-built policy.wasm: a working policy or PolicyLoadError, nothing else`, { timeout: 600_000 }, async (t) => {
    const orig = await policyWasm();
    const good = await compilePolicy(orig);
    assert.deepEqual(good.entrypoints, ['fz/allow', 'fz/n']);
    const rng = new Rng(SEED);
    const tally = { refused: 0, compiled: 0, evaluated: 0 };
    for (let i = 0; i < N; i++) {
      const { bytes, what } = mutate(orig, rng);
      let compiled;
      try {
        compiled = await compilePolicy(bytes);
      } catch (err) {
        assert.ok(err instanceof PolicyLoadError, `case ${i} (${what}): ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`);
        assert.ok(err.message.length > 0 && err.message.length < 2000, `case ${i} (${what}): message of ${err.message.length} chars`);
        tally.refused++;
        continue;
      }
      tally.compiled++;
      let engine: WasmEngine;
      try {
        engine = await WasmEngine.create(compiled, { fz: { role: 'admin' } });
      } catch (err) {
        assert.ok(err instanceof PolicyLoadError, `case ${i} (${what}) create: ${String(err)}`);
        continue;
      }
      for (const ep of compiled.entrypoints) {
        try {
          engine.evaluate(ep, { roles: ['admin', 'abc', 'b'] }, undefined, 1000);
          tally.evaluated++;
        } catch (err) {
          assert.ok(err instanceof PolicyEvalError, `case ${i} (${what}) evaluate ${ep}: ${String(err)}`);
        }
      }
    }
    t.diagnostic(JSON.stringify(tally));
    assert.equal(tally.refused + tally.compiled, N);
    assert.ok(tally.refused > 0, 'some mutations are refused (the fuzz reaches the decoders)');
  });
});
