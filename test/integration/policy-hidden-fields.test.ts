import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundle } from '../../src/policy/cli/build.js';
import { startStack, type Stack } from './harness/stack.js';

/**
 * Behind a real Envoy (with_request_body, pack_as_bytes): a policy refusing the field `admin`, a path
 * starting with "admin" and amounts over 1000 sees them wherever the client puts them, or the request is
 * refused with 400 — what reaches the upstream was shown to the policy.
 */

const REGO = `package hidden

default allow := false

allow if {
  not input.parsed_body.admin
  input.parsed_path[0] != "admin"
  not over
}

over if input.parsed_body.amount > 1000
`;

describe('fields hidden from the policy, through Envoy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      config: ({ dir }) => {
        const src = join(dir, 'src', 'hidden');
        mkdirSync(src, { recursive: true });
        writeFileSync(join(src, 'p.rego'), REGO);
        const r = buildBundle({ src: join(dir, 'src'), out: join(dir, 'h.tar.gz'), entrypoints: ['hidden/allow'], v0Compatible: false });
        assert.ok(r.ok, r.output);
        return 'policy:\n  bundles:\n    h: { file: h.tar.gz }\nroutes:\n  - { name: r, match: { path: { prefix: / } }, policy: { entrypoint: hidden/allow } }\n';
      },
    });
  });
  after(async () => { await stack?.stop(); });

  const post = (headers: Record<string, string>, body: string, path = '/x') => stack.request({ method: 'POST', path, headers, body });

  it('multipart with a token name (name=admin) is seen; an ordinary field passes and reaches the upstream', async () => {
    const mp = { 'content-type': 'multipart/form-data; boundary=B' };
    const ok = await post(mp, '--B\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--B--\r\n');
    assert.equal(ok.status, 200);
    assert.match(ok.json().body, /name=a/);
    assert.equal((await post(mp, '--B\r\nContent-Disposition: form-data; name=admin\r\n\r\n1\r\n--B--\r\n')).status, 403);
  });

  it('a form with ";" and one with 1001 fields are refused with 400', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await post(form, 'a=1')).status, 200);
    assert.equal((await post(form, 'a=1;admin=1')).status, 400);
    assert.equal((await post(form, `${'a=1&'.repeat(1001)}admin=1`)).status, 400);
  });

  it('/%61dmin/%FF is the admin path to the policy', async () => {
    assert.equal((await stack.request({ method: 'GET', path: '/%61dmin/%FF' })).status, 403);
    assert.equal((await stack.request({ method: 'GET', path: '/b/%FF' })).status, 200);
  });

  it('a JSON amount of 1e400 is refused with 400, not read as null', async () => {
    const json = { 'content-type': 'application/json' };
    assert.equal((await post(json, '{"amount": 10}')).status, 200);
    assert.equal((await post(json, '{"amount": 5000}')).status, 403);
    assert.equal((await post(json, '{"amount": 1e400}')).status, 400);
  });

  it('a capitalised content type, a "--B--" LF preamble, a near-delimiter line, a UTF-16 part: seen or refused; a .NET filename* upload passes', async () => {
    assert.equal((await post({ 'content-type': 'Application/JSON' }, '{"admin": 1}')).status, 403);
    assert.equal((await post({ 'content-type': 'Multipart/Form-Data; boundary=B' }, '--B\r\nContent-Disposition: form-data; name=admin\r\n\r\n1\r\n--B--\r\n')).status, 403);
    const mp = { 'content-type': 'multipart/form-data; boundary=B' };
    assert.equal((await post(mp, '--B--\n--B\nContent-Disposition: form-data; name=admin\n\n1\n--B--\n')).status, 403);
    assert.equal((await post(mp, '--B\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--BX\r\n--B--\r\n')).status, 400);
    assert.equal((await post({ 'content-type': 'multipart/form-data; xboundary=A; boundary=B' }, '--B\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--B--\r\n')).status, 400);
    const ok = await post(mp, "--B\r\nContent-Disposition: form-data; name=f; filename=a.txt; filename*=utf-8''a.txt\r\n\r\nx\r\n--B--\r\n");
    assert.equal(ok.status, 200);
    assert.match(ok.json().body, /filename\*=utf-8''a\.txt/);
  });
});
