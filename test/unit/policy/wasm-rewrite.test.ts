import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { loadBundleArchive } from '../../../src/policy/bundle/load.js';
import { PORTCULLIS_BUILTINS } from '../../../src/policy/wasm/builtins.js';
import { concat, s32, u32 } from '../../../src/policy/wasm/binary-writer.js';
import { BinaryReader } from '../../../src/policy/wasm/binary-reader.js';
import { compilePolicy, PolicyLoadError, WasmEngine } from '../../../src/policy/wasm/engine.js';
import { readInstruction } from '../../../src/policy/wasm/instructions.js';
import { readSections, SECTION } from '../../../src/policy/wasm/module-sections.js';
import { EvalDeadline, EvalTimeoutError } from '../../../src/policy/wasm/eval-deadline.js';
import { rewritePolicy } from '../../../src/policy/wasm/rewrite-policy.js';
import { evalClock } from '../../../src/policy/wasm/time-builtins.js';
import { examplesBundle, opaBuild } from './helpers.js';

/** A module with one exported function `f` of type (param i32) (result i32) and the given body (after the locals). */
function moduleWith(locals: number[], body: number[]): Uint8Array {
  const fn = [...locals, ...body];
  const section = (id: number, payload: number[]) => [id, ...u32(payload.length), ...payload];
  return concat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f]),
    section(3, [0x01, 0x00]),
    section(7, [0x01, 0x01, 0x66, 0x00, 0x00]),
    section(10, [0x01, ...u32(fn.length), ...fn]),
  ]);
}

// acc = 0; while (n != 0) { acc += 3; n -= 1 } return acc — preceded by instructions whose immediates
// hold 0x03 bytes (the `loop` opcode): i64.const -1, f64.const 0x0303…, f32.const 3 + i32.trunc_sat_f32_s,
// i32.const 3 and a br_table.
const LOOP_BODY = [
  0x42, 0x7f, 0x1a,
  0x44, 3, 3, 3, 3, 3, 3, 3, 3, 0x1a,
  0x43, 0x00, 0x00, 0x40, 0x40, 0xfc, 0x00, 0x1a,
  0x02, 0x40, 0x41, 0x03, 0x0e, 0x01, 0x00, 0x00, 0x0b, // block; i32.const 3; br_table [0] 0; end
  0x02, 0x40,
  0x03, 0x40,
  0x20, 0x00, 0x45, 0x0d, 0x01,
  0x20, 0x01, 0x41, 0x03, 0x6a, 0x21, 0x01,
  0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00,
  0x0c, 0x00,
  0x0b,
  0x0b,
  0x20, 0x01,
  0x0b,
];

describe('the policy.wasm rewriter', () => {
  it('finds the one loop among immediates holding the loop opcode; the instrumented function computes the same', () => {
    const original = moduleWith([0x01, 0x01, 0x7f], LOOP_BODY);
    const { wasm, loops } = rewritePolicy(original);
    assert.equal(loops, 1);
    const plain = new WebAssembly.Instance(new WebAssembly.Module(original as Uint8Array<ArrayBuffer>)).exports.f as (n: number) => number;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
    const deadline = EvalDeadline.install(inst);
    const f = inst.exports.f as (n: number) => number;
    for (const n of [0, 1, 2, 16383, 16384, 16385, 100_000]) assert.equal(deadline.run(60_000, () => f(n)), plain(n), `n=${n}`);
    // 2³¹ iterations run for seconds: the deadline stops it, and the instance still works
    assert.throws(() => deadline.run(5, () => f(0x7fffffff)), EvalTimeoutError);
    assert.equal(deadline.run(5, () => f(10)), 30);
    assert.equal(f(10), 30, 'outside run() there is no deadline');
  });

  it('calls the tick from loops with a direct call to one added function, not a call_indirect per loop', async () => {
    // a call_indirect in every loop made V8's optimized code for OPA's hot loops (opa_value_hash, memmove,
    // strlen…) slower than a direct call does: evaluations of the example policies took 0.3–3 µs longer
    const { wasm } = rewritePolicy((await loadBundleArchive(examplesBundle())).bundle.wasm);
    const before = opcodeCounts((await loadBundleArchive(examplesBundle())).bundle.wasm);
    const after = opcodeCounts(wasm);
    assert.equal(after.functions, before.functions + 1, 'one function added');
    assert.equal(after.callIndirect, before.callIndirect + 1, 'one call_indirect added (in the added function)');
    assert.equal(after.loops, before.loops);
    assert.equal(after.call, before.call + before.loops, 'each loop calls the added function');
  });

  it('refuses a module with an instruction it cannot decode, naming it (SIMD v128.const)', async () => {
    const simd = moduleWith([0x00], [0xfd, 0x0c, ...new Array(16).fill(3), 0x1a, 0x20, 0x00, 0x0b]);
    await assert.rejects(compilePolicy(simd), (err: unknown) => {
      assert.ok(err instanceof PolicyLoadError);
      assert.equal(err.reason, 'wasm');
      assert.match(err.message, /unsupported Wasm instruction 0xfd \(SIMD\)/);
      return true;
    });
    const tail = moduleWith([0x00], [0x20, 0x00, 0x12, 0x00, 0x0b]); // return_call 0
    await assert.rejects(compilePolicy(tail), /return_call, tail calls/);
  });

  it('refuses a module that already uses the names it adds', async () => {
    const m = moduleWith([0x00], [0x20, 0x00, 0x0b]);
    // rename export "f" to the rewriter's table export name
    const name = Buffer.from('portcullis_guard_table');
    const bytes = Buffer.from(m);
    const at = bytes.indexOf(Buffer.from([0x07, 0x05, 0x01, 0x01, 0x66]));
    const renamed = concat([bytes.subarray(0, at), [0x07, ...u32(name.length + 4), 0x01, ...u32(name.length), ...name], bytes.subarray(at + 5)]);
    assert.throws(() => rewritePolicy(renamed), /already exports "portcullis_guard_table"/);
  });

  it('refuses a module that is not valid before it is rewritten (an index only the rewriter\'s additions would satisfy)', () => {
    // loop { counter := 2³¹-1 } forever: global 0 does not exist in this module, but it is the counter
    // the instrumentation appends; rewritten without validating first, the module became valid and
    // reset its own counter, so no deadline could stop it
    const original = moduleWith([0x00], [0x03, 0x40, 0x41, ...s32(0x7fffffff), 0x24, 0x00, 0x0c, 0x00, 0x0b, 0x20, 0x00, 0x0b]);
    assert.equal(WebAssembly.validate(original as Uint8Array<ArrayBuffer>), false);
    assert.throws(() => rewritePolicy(original), /not a valid WebAssembly module: .*global/i);
  });

  it('refuses a module exporting any name with the rewriter\'s prefix (CallGuard takes every portcullis_guard_global_* export for a global to restore)', () => {
    const m = Buffer.from(moduleWith([0x00], [0x20, 0x00, 0x0b]));
    const name = Buffer.from('portcullis_guard_global_7');
    const at = m.indexOf(Buffer.from([0x07, 0x05, 0x01, 0x01, 0x66]));
    const renamed = concat([m.subarray(0, at), [0x07, ...u32(name.length + 4), 0x01, ...u32(name.length), ...name], m.subarray(at + 5)]);
    assert.ok(WebAssembly.validate(renamed as Uint8Array<ArrayBuffer>));
    assert.throws(() => rewritePolicy(renamed), /already exports "portcullis_guard_global_7".*portcullis_guard_/);
  });

  it('encodes signed LEB128 as the spec does', () => {
    assert.deepEqual(s32(0), [0x00]);
    assert.deepEqual(s32(63), [0x3f]);
    assert.deepEqual(s32(64), [0xc0, 0x00]);
    assert.deepEqual(s32(76), [0xcc, 0x00]);
    assert.deepEqual(s32(-1), [0x7f]);
    assert.deepEqual(s32(0x7fffffff), [0xff, 0xff, 0xff, 0xff, 0x07]);
  });
});

/** How many function bodies, and `loop`, `call` and `call_indirect` instructions, a module's code section holds. */
function opcodeCounts(wasm: Uint8Array): { functions: number; loops: number; call: number; callIndirect: number } {
  const code = readSections(wasm).find((s) => s.id === SECTION.code)!;
  const r = new BinaryReader(code.payload);
  const out = { functions: r.u32(), loops: 0, call: 0, callIndirect: 0 };
  for (let f = 0; f < out.functions; f++) {
    const size = r.u32();
    const body = new BinaryReader(code.payload, r.pos, r.pos + size);
    r.skip(size);
    for (let n = body.u32(); n > 0; n--) { body.u32(); body.byte(); }
    while (!body.done) {
      const op = readInstruction(body);
      if (op === 0x03) out.loops++;
      else if (op === 0x10) out.call++;
      else if (op === 0x11) out.callIndirect++;
    }
  }
  return out;
}

/** The same policy, uninstrumented, through the SDK as Portcullis used it before. */
async function original(wasm: Uint8Array) {
  const p = await loadPolicy(wasm as Uint8Array<ArrayBuffer>, { initial: 5, maximum: 2048 }, PORTCULLIS_BUILTINS as Record<string, Function>);
  return p;
}

const SNIPPETS = `package d
import rego.v1
names contains n if { some u in input.users; n := lower(u.name) }
total := sum([x.n | some x in input.users])
sorted := sort([u.name | some u in input.users])
every_adult if { every u in input.users { u.age >= 18 } }
merged := object.union(input.a, input.b)
joined := concat(",", [sprintf("%s=%d", [u.name, u.n]) | some u in input.users])
matches := [u.name | some u in input.users; regex.match("^[a-c]", u.name)]
paths := [p | walk(input.a, [p, _])]
pairs := count([1 | some i, j; input.users[i].n == input.users[j].n; i != j])
marshal := json.unmarshal(json.marshal(input.a))
reach := graph.reachable({"a": ["b"], "b": ["c"], "c": []}, ["a"])
split_parts := split(input.s, "/")
globbed := glob.match("api.*.com", ["."], input.host)
`;

describe('instrumented modules give the results of the originals (differential)', () => {
  it('the example bundle, every entrypoint, on the example requests', async () => {
    const lb = await loadBundleArchive(examplesBundle());
    const data = lb.data.value!;
    const engine = await WasmEngine.create(lb.compiled, data);
    const plain = await original(lb.bundle.wasm);
    plain.setData(data);
    const http = (method: string, path: string, headers: Record<string, string> = {}) => ({
      attributes: { request: { http: { method, path, headers } } }, parsed_path: path.replace(/^\/+/, '').split('/'),
    });
    const who = (subject: string, roles: string[], claims: Record<string, unknown> = {}) => ({ portcullis: { identity: { kind: 'jwt', subject, roles, claims }, risk: { score: 0, findings: [] } } });
    const inputs = [
      { ...http('GET', '/api/v1/orders/1'), ...who('u', ['reader']) },
      { ...http('POST', '/api/v1/orders'), ...who('u', ['writer']) },
      { ...http('GET', '/api/v1/users/alice'), ...who('alice', ['reader'], { clearance: 'internal' }) },
      { ...http('POST', '/api/v1/reports/finance/q1'), ...who('a', [], { department: 'finance', clearance: 'secret' }) },
      http('GET', '/people/1', { authorization: 'Bearer garbage' }),
      http('GET', '/public/x'),
      {},
    ];
    const now = Date.UTC(2024, 4, 15, 10) * 1e6;
    for (const ep of lb.compiled.entrypoints) {
      for (const [i, input] of inputs.entries()) {
        let want: unknown;
        evalClock.nowNs = now;
        try { want = (plain.evaluate(input, ep) as Array<{ result: unknown }>)[0]?.result; } catch { want = 'error'; }
        let got: unknown;
        try { got = engine.evaluate(ep, input, now, 60_000); } catch { got = 'error'; }
        assert.deepEqual(got, want, `${ep} input ${i}`);
      }
    }
  });

  it('builtin- and loop-heavy Rego (comprehensions, every, walk, regex, sort, json, graph)', async () => {
    const entrypoints = ['d/names', 'd/total', 'd/sorted', 'd/every_adult', 'd/merged', 'd/joined', 'd/matches', 'd/paths', 'd/pairs', 'd/marshal', 'd/reach', 'd/split_parts', 'd/globbed'];
    const lb = await loadBundleArchive(opaBuild({ files: { 'd.rego': SNIPPETS }, entrypoints }));
    const engine = await WasmEngine.create(lb.compiled, {});
    const plain = await original(lb.bundle.wasm);
    const users = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `${'abcdef'[i % 6]}user${i}`, n: i % 7, age: 10 + i }));
    const inputs = [
      { users: users(0), a: {}, b: {}, s: '', host: 'x' },
      { users: users(5), a: { x: { y: [1, 2, { z: 3 }] } }, b: { x: { w: 1 } }, s: 'a/b/c', host: 'api.example.com' },
      { users: users(300), a: { k: Array.from({ length: 50 }, (_, i) => ({ i })) }, b: { q: 'r' }, s: '/'.repeat(40), host: 'api.x.com' },
    ];
    for (const ep of entrypoints) {
      for (const [i, input] of inputs.entries()) {
        const want = (plain.evaluate(input, ep) as Array<{ result: unknown }>)[0]?.result;
        assert.deepEqual(engine.evaluate(ep, input, undefined, 60_000), want, `${ep} input ${i}`);
      }
    }
  });
});
