import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_QUERY_PARAMS } from '../../../src/pipeline/query.js';
import { closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { MAX_FORM_FIELDS } from '../../../src/policy/input/body.js';
import { decide, runtimeFrom } from '../helpers.js';
import { simpleBundle } from './helpers.js';

/**
 * A policy that refuses any request carrying a field named `admin` (in the body or the query) must see that
 * field wherever the client puts it: where the upstream (and OPA-Envoy, with Go's parsers) reads a field,
 * Portcullis must either show it to the policy or refuse the request — never evaluate a view without it.
 */

const REGO = `default allow := false

allow if {
  not input.parsed_body.admin
  not input.parsed_query.admin
  input.parsed_path[0] != "admin"
  not dropped
}

qs contains q if some q in input.parsed_query.q

qs contains q if some q in input.parsed_body.q

dropped if {
  some q in qs
  contains(q, "drop table")
}`;

const MP = 'multipart/form-data; boundary=B';
const part = (disposition: string, value: string): string => `--B\r\nContent-Disposition: ${disposition}\r\n\r\n${value}\r\n`;

describe('a field the policy refuses cannot be hidden from it', () => {
  let dir: string;
  let rt: Runtime;
  /** 'allow', 'deny' (the policy said no) or 'refused' (the request could not be shown to the policy). */
  const outcome = async (r: { path?: string; headers?: Record<string, string>; body?: string }): Promise<string> => {
    const resp = await decide(rt, { method: 'POST', path: r.path ?? '/x', headers: r.headers, body: r.body });
    if (resp.ok_response) return 'allow';
    const body = JSON.parse(resp.denied_response.body);
    return body.error === 'ERR_POLICY_DENIED' ? 'deny' : body.error === 'ERR_BAD_REQUEST' ? 'refused' : body.error;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-hidden-'));
    writeFileSync(join(dir, 'h.tar.gz'), simpleBundle('hidden', REGO));
    rt = await runtimeFrom(`policy:\n  bundles:\n    h: { file: ${join(dir, 'h.tar.gz')} }\nroutes:\n  - { name: r, match: { path: { prefix: / } }, policy: { entrypoint: hidden/allow } }\n`);
  });
  after(async () => { if (rt) await closeRuntime(rt); rmSync(dir, { recursive: true, force: true }); });

  it('the policy works: a plain field is seen, its absence allows', async () => {
    assert.equal(await outcome({ headers: { 'content-type': MP }, body: `${part('form-data; name="a"', '1')}--B--\r\n` }), 'allow');
    assert.equal(await outcome({ headers: { 'content-type': MP }, body: `${part('form-data; name="admin"', '1')}--B--\r\n` }), 'deny');
    assert.equal(await outcome({ path: '/x?admin=1' }), 'deny');
  });

  it('path: an escaped segment next to an escape that is not UTF-8 (/%61dmin/%FF: the upstream decodes %61)', async () => {
    assert.equal(await outcome({ path: '/admin/x' }), 'deny');
    assert.equal(await outcome({ path: '/%61dmin/%FF' }), 'deny');
    assert.equal(await outcome({ path: '/%61dmin%C0/x' }), 'allow'); // the segment is "admin" + U+FFFD, not "admin"
    assert.equal(await outcome({ path: '/%61dmin/%zz' }), 'deny'); // a malformed escape elsewhere does not stop decoding
  });

  it('query: an escaped value next to an escape that is not UTF-8 (q=%64rop%20table%FF: the upstream decodes it)', async () => {
    assert.equal(await outcome({ path: '/x?q=drop+table' }), 'deny');
    assert.equal(await outcome({ path: '/x?q=%64rop%20table%FF' }), 'deny');
    assert.equal(await outcome({ path: '/x?q=%64rop+table%zz' }), 'deny');
    assert.equal(await outcome({ path: '/x?q=drop%FFtable' }), 'allow');
    // and in a form body
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal(await outcome({ headers: form, body: 'q=%64rop%20table%FF' }), 'deny');
  });

  it('multipart: an unquoted name (name=admin, a token: Go, busboy and browsers\' servers read it)', async () => {
    assert.equal(await outcome({ headers: { 'content-type': MP }, body: `${part('form-data; name=admin', '1')}--B--\r\n` }), 'deny');
  });

  it('multipart: after many parts', async () => {
    const body = `${part('form-data; name="a"', 'x').repeat(150)}${part('form-data; name="admin"', '1')}--B--\r\n`;
    assert.notEqual(await outcome({ headers: { 'content-type': MP }, body }), 'allow');
  });

  it('multipart: behind a boundary longer than 200 characters', async () => {
    const bnd = 'b'.repeat(250);
    const body = `--${bnd}\r\nContent-Disposition: form-data; name="admin"\r\n\r\n1\r\n--${bnd}--\r\n`;
    assert.notEqual(await outcome({ headers: { 'content-type': `multipart/form-data; boundary=${bnd}` }, body }), 'allow');
  });

  it('urlencoded form: after many fields', async () => {
    const body = `${'a=1&'.repeat(1500)}admin=1`;
    assert.notEqual(await outcome({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }), 'allow');
  });

  it('query: after many parameters', async () => {
    assert.notEqual(await outcome({ path: `/x?${'a=1&'.repeat(1500)}admin=1` }), 'allow');
  });

  it('urlencoded form: behind a ";" separator or a malformed % escape (Go refuses the form: OPA-Envoy answers 400)', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    // servers that split on ";" (Python before 3.9.2, some frameworks) read admin=1 here
    assert.equal(await outcome({ headers: form, body: 'a=1;admin=1' }), 'refused');
    assert.equal(await outcome({ headers: form, body: 'a=%zz&b=1' }), 'refused');
    assert.equal(await outcome({ headers: form, body: 'a=%' }), 'refused');
    assert.equal(await outcome({ headers: form, body: 'a=%3B%41%e2%82%ac+b&c' }), 'allow');
  });

  it('a form or query with exactly as many fields as are read is evaluated; one more is refused with 400', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal(await outcome({ headers: form, body: `${'a=1&'.repeat(MAX_FORM_FIELDS - 1)}admin=1` }), 'deny');
    assert.equal(await outcome({ headers: form, body: `${'a=1&'.repeat(MAX_FORM_FIELDS - 1)}b=1&&` }), 'allow');
    assert.equal(await outcome({ headers: form, body: `${'a=1&'.repeat(MAX_FORM_FIELDS)}b=1` }), 'refused');
    assert.equal(await outcome({ path: `/x?${'a=1&'.repeat(MAX_QUERY_PARAMS - 1)}admin=1` }), 'deny');
    assert.equal(await outcome({ path: `/x?${'a=1&'.repeat(MAX_QUERY_PARAMS - 1)}b=1&` }), 'allow');
    assert.equal(await outcome({ path: `/x?${'a=1&'.repeat(MAX_QUERY_PARAMS)}b=1` }), 'refused');
  });
});

describe('a JSON number the policy cannot hold is refused, not shown as null', () => {
  let dir: string;
  let rt: Runtime;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-num-'));
    writeFileSync(join(dir, 'n.tar.gz'), simpleBundle('num', 'default allow := false\n\nallow if input.parsed_body.amount <= 1000'));
    rt = await runtimeFrom(`policy:\n  bundles:\n    n: { file: ${join(dir, 'n.tar.gz')} }\nroutes:\n  - { name: r, match: { path: { prefix: / } }, policy: { entrypoint: num/allow } }\n`);
  });
  after(async () => { if (rt) await closeRuntime(rt); rmSync(dir, { recursive: true, force: true }); });
  const post = async (body: string, type = 'application/json'): Promise<any> => decide(rt, { method: 'POST', path: '/pay', headers: { 'content-type': type }, body });

  it('amount <= 1000: 5 passes, 5000 is denied', async () => {
    assert.ok((await post('{"amount": 5}')).ok_response);
    assert.equal(JSON.parse((await post('{"amount": 5000}')).denied_response.body).error, 'ERR_POLICY_DENIED');
  });

  it('1e400 (beyond a double: JSON.parse makes it Infinity, the Wasm input null, and null <= 1000 holds) is a 400', async () => {
    for (const n of ['1e400', '-1e400', '1E+309', `1${'0'.repeat(400)}`, `[1, {"x": [2e999]}]`]) {
      const r = await post(`{"amount": ${n}}`);
      assert.equal(r.ok_response, undefined, n);
      assert.equal(r.denied_response.status.code, 400, n);
    }
    // in a JSON part of a multipart form too
    const mp = '--B\r\nContent-Disposition: form-data; name="amount"\r\nContent-Type: application/json\r\n\r\n1e400\r\n--B--\r\n';
    assert.equal((await post(mp, 'multipart/form-data; boundary=B')).denied_response.status.code, 400);
    // large but finite numbers, and exponents in strings, are fine
    assert.equal(JSON.parse((await post('{"amount": 1e308, "note": "e999"}')).denied_response.body).error, 'ERR_POLICY_DENIED');
    assert.ok((await post('{"amount": 1e-400, "note": "1e999"}')).ok_response);
  });
});
