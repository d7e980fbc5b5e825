import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { loadBundleArchive, type LoadedBundle } from '../../../src/policy/bundle/load.js';
import { compilePolicy, DEFAULT_MEMORY, instantiateWithData, pagesForData, PolicyEvalError, PolicyLoadError, WasmEngine } from '../../../src/policy/wasm/engine.js';
import { examplesBundle, opa, opaBuild, REPO, simpleBundle } from './helpers.js';

async function engineOf(bytes: Buffer, memory?: { initialPages: number; maxPages: number }): Promise<{ lb: LoadedBundle; engine: WasmEngine }> {
  const lb = await loadBundleArchive(bytes, { memory });
  return { lb, engine: await WasmEngine.create(lb.compiled, lb.data.value, memory) };
}

describe('the committed example bundle through Wasm', () => {
  let engine: WasmEngine;
  let lb: LoadedBundle;
  before(async () => { ({ lb, engine } = await engineOf(examplesBundle())); });

  it('exports the example entrypoints and needs only builtins Portcullis implements', () => {
    for (const e of ['portcullis/rbac/allow', 'portcullis/abac/decision', 'portcullis/resources/decision', 'portcullis/authz/decision', 'envoy/authz/allow', 'envoy/authz/result']) {
      assert.ok(lb.compiled.entrypoints.includes(e), e);
    }
    assert.ok(lb.compiled.requiredBuiltins.includes('time.clock'));
    assert.ok(lb.compiled.requiredBuiltins.includes('io.jwt.decode_verify'));
  });

  it('gives the same decisions as OPA itself (opa eval on the Rego sources)', async () => {
    const at = '2024-05-15T10:00:00Z';
    const http = (method: string, path: string, headers: Record<string, string> = {}) => ({
      attributes: { request: { time: at, http: { method, path, headers } } },
      parsed_path: path.split('?')[0]!.replace(/^\/+/, '').split('/'),
    });
    const who = (subject: string, roles: string[], claims: Record<string, unknown> = {}, kind = 'jwt', score = 0) =>
      ({ portcullis: { decision_id: 'd', identity: { kind, subject, roles, claims }, risk: { score, findings: [] } } });
    const secret = 'demo-only-secret-replace-me-with-data-from-a-file-or-redis';
    const tok = await new SignJWT({ sub: 'alice', role: 'guest', exp: 4102444800 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    const cases: Array<[string, unknown]> = [
      ['portcullis/rbac/allow', { ...http('GET', '/api/v1/orders/1'), ...who('u', ['reader']) }],
      ['portcullis/rbac/allow', { ...http('POST', '/api/v1/orders'), ...who('u', ['reader']) }],
      ['portcullis/rbac/allow', { ...http('POST', '/api/v1/orders'), ...who('u', ['writer']) }],
      ['portcullis/resources/decision', { ...http('GET', '/api/v1/users/alice'), ...who('alice', []) }],
      ['portcullis/resources/decision', { ...http('GET', '/api/v1/users/bob'), ...who('alice', []) }],
      ['portcullis/resources/decision', { ...http('POST', '/api/v1/payments'), ...who('alice', []) }],
      ['portcullis/resources/decision', { ...http('POST', '/api/v1/payments'), ...who('svc', [], {}, 'mtls', 50) }],
      ['portcullis/abac/decision', { ...http('POST', '/api/v1/reports/finance/q1'), ...who('a', [], { department: 'sales' }, 'jwt', 99) }],
      ['portcullis/abac/decision', { ...http('GET', '/api/v1/reports/finance/q1'), ...who('a', [], { department: 'finance', clearance: 'secret' }) }],
      ['portcullis/authz/decision', { ...http('GET', '/api/v1/users/alice'), ...who('alice', ['reader'], { clearance: 'internal' }) }],
      ['portcullis/authz/decision', { ...http('DELETE', '/api/v1/orders/1'), ...who('alice', ['reader']) }],
      ['envoy/authz/result', http('GET', '/people/1', { authorization: `Bearer ${tok}` })],
      ['envoy/authz/result', http('GET', '/people/1', { authorization: 'Bearer garbage' })],
      ['envoy/authz/allow', http('GET', '/public/x')],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-parity-'));
    try {
      writeFileSync(join(dir, 'cases.json'), JSON.stringify({ parity_cases: cases.map(([ep, input]) => ({ ep, input })) }));
      const query = `[r | some c in data.parity_cases; inp := c.input; r := object.get(data, split(c.ep, "/"), null) with input as inp]`;
      const out = execFileSync(opa(), ['eval', '-f', 'json', '-d', join(REPO, 'policies', 'src'), '-d', join(dir, 'cases.json'), '--ignore', '*_test.rego', query], { encoding: 'utf8' });
      const expected = JSON.parse(out).result[0].expressions[0].value as unknown[];
      assert.equal(expected.length, cases.length);
      // json.marshal in Wasm does not sort object keys as OPA's evaluator does: compare bodies as JSON
      const norm = (v: any): any => (v && typeof v.body === 'string' && v.body.startsWith('{') ? { ...v, body: JSON.parse(v.body) } : v);
      cases.forEach(([ep, input], i) => {
        assert.deepEqual(norm(engine.evaluate(ep, input, Date.UTC(2024, 4, 15, 10) * 1e6)), norm(expected[i]), `case ${i}: ${ep}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown entrypoint is an evaluation error', () => {
    assert.throws(() => engine.evaluate('portcullis/nope', {}), PolicyEvalError);
  });
});

describe('loading and evaluating Wasm policies', () => {
  it('a policy that needs a builtin the Wasm runtime lacks fails when loaded, naming the builtin', async () => {
    const bytes = simpleBundle('needs.http', 'allow if http.send({"method": "GET", "url": "http://127.0.0.1:1/x"}).status_code == 200');
    await assert.rejects(loadBundleArchive(bytes), (err: unknown) => {
      assert.ok(err instanceof PolicyLoadError);
      assert.equal(err.reason, 'builtins');
      assert.match(err.message, /http\.send/);
      return true;
    });
  });

  it('bytes that are not Wasm fail to load', async () => {
    await assert.rejects(compilePolicy(Buffer.from('\0asm-but-not-really')), (err: unknown) => err instanceof PolicyLoadError && err.reason === 'wasm');
  });

  it('conflicting rule outputs are an evaluation error, not a decision', async () => {
    const { engine } = await engineOf(simpleBundle('conflict', 'allow := true if input.a\n\nallow := false if input.b'));
    assert.equal(engine.evaluate('conflict/allow', { a: true }), true);
    assert.throws(() => engine.evaluate('conflict/allow', { a: true, b: true }), PolicyEvalError);
  });

  it('an input larger than the memory limit is an evaluation error; the engine keeps working', async () => {
    const { engine } = await engineOf(simpleBundle('mem', 'default allow := false\n\nallow if input.ok'), { initialPages: 5, maxPages: 32 });
    assert.throws(() => engine.evaluate('mem/allow', { ok: true, pad: 'x'.repeat(4 * 1024 * 1024) }), PolicyEvalError);
    assert.equal(engine.evaluate('mem/allow', { ok: true }), true);
  });

  it('an undefined decision is undefined, data comes from setData', async () => {
    const bytes = opaBuild({ files: { 'd/p.rego': 'package d\n\nallow if input.user in data.d.users\n', 'data.json': '{"d": {"users": ["alice"]}}' }, entrypoints: ['d/allow'] });
    const lb = await loadBundleArchive(bytes);
    const e1 = await WasmEngine.create(lb.compiled, lb.data.value);
    assert.equal(e1.evaluate('d/allow', { user: 'alice' }), true);
    assert.equal(e1.evaluate('d/allow', { user: 'bob' }), undefined);
    const e2 = await WasmEngine.create(lb.compiled, { d: { users: ['bob'] } });
    assert.equal(e2.evaluate('d/allow', { user: 'bob' }), true);
    assert.equal(e1.evaluate('d/allow', { user: 'bob' }), undefined, 'engines are independent');
  });
});

describe('loading data into the Wasm memory', () => {
  const table = (n: number) => ({ t: { rows: Array.from({ length: n }, (_, i) => ({ id: i, name: `row ${i} ${'n'.repeat(60)}`, on: i % 2 === 0 })) } });
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

  it('starts the memory at the size the data needs (OPA\'s allocator would grow it a page at a time), within the limit', async () => {
    assert.equal(pagesForData(0, DEFAULT_MEMORY), DEFAULT_MEMORY.initialPages);
    assert.equal(pagesForData(1024 * 1024, DEFAULT_MEMORY), DEFAULT_MEMORY.initialPages + 256);
    assert.equal(pagesForData(1024 * 1024 * 1024, DEFAULT_MEMORY), DEFAULT_MEMORY.maxPages);
    const lb = await loadBundleArchive(simpleBundle('t', 'allow if count(data.t.rows) > 2'));
    const data = json(table(20_000));
    const p = await instantiateWithData(lb.compiled, data);
    assert.equal(p.mem.buffer.byteLength, pagesForData(data.byteLength, DEFAULT_MEMORY) * 65536, 'loading the data did not grow the memory');
    assert.deepEqual(p.evaluate({}, 't/allow'), [{ result: true }]);
    // the same data through the object API gives the same answers
    const e = await WasmEngine.create(lb.compiled, table(20_000));
    assert.equal(e.evaluate('t/allow', {}), true);
    // data that does not fit the limit is refused as before, as a data problem
    await assert.rejects(instantiateWithData(lb.compiled, data, { initialPages: 5, maxPages: 64 }), (err: unknown) => err instanceof PolicyLoadError && err.reason === 'data');
  });

  it('data JSON in a pooled Buffer (a view into shared pool memory) loads exactly its own bytes', async () => {
    const lb = await loadBundleArchive(simpleBundle('t', 'allow if data.t.on'));
    Buffer.from('garbage before');
    const pooled = Buffer.from('{"t": {"on": true}}');
    Buffer.from('garbage after');
    assert.ok(pooled.byteOffset > 0 || pooled.byteLength < pooled.buffer.byteLength, 'the Buffer is a view into a larger pool');
    const p = await instantiateWithData(lb.compiled, pooled);
    assert.deepEqual(p.evaluate({}, 't/allow'), [{ result: true }]);
  });
});
