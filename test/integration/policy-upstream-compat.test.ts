import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundle } from '../../src/policy/cli/build.js';
import { REPO } from './harness/portcullis.js';
import { startStack, type Stack } from './harness/stack.js';

/**
 * Three OPA-Envoy policies (test/fixtures/policy/upstream/) built with `opa build -t wasm` and enforced by
 * a real Envoy: what the client and the upstream see is what the policies' sources document.
 */

const FIXTURES = join(REPO, 'test', 'fixtures', 'policy', 'upstream');
const BUNDLES = [
  { name: 'tutorial-jwt', entrypoint: 'envoy/authz/allow', v0: false },
  { name: 'object-decision', entrypoint: 'envoy/authz/allow', v0: true },
  { name: 'headers-to-remove', entrypoint: 'envoy/authz/result', v0: true },
];
const ALICE = 'eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJleHAiOiAyMjQxMDgxNTM5LCAibmJmIjogMTUxNDg1MTEzOSwgInJvbGUiOiAiZ3Vlc3QiLCAic3ViIjogIllXeHBZMlU9In0.Uk5hgUqMuUfDLvBLnlXMD0-X53aM_Hlziqg3vhOsCc8';
const BOB = 'eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJleHAiOiAyMjQxMDgxNTM5LCAibmJmIjogMTUxNDg1MTEzOSwgInJvbGUiOiAiYWRtaW4iLCAic3ViIjogIlltOWkifQ.5qsm7rRTvqFHAgiB6evX0a_hWnGbWquZC0HImVQPQo8';

describe('OPA-Envoy policies unchanged behind a real Envoy', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      config: ({ dir }) => {
        const bundles: string[] = [];
        const routes: string[] = [];
        for (const b of BUNDLES) {
          const out = join(dir, `${b.name}.tar.gz`);
          const r = buildBundle({ src: join(FIXTURES, b.name), out, entrypoints: [b.entrypoint], v0Compatible: b.v0 });
          assert.ok(r.ok, r.output);
          bundles.push(`    ${b.name}: { file: ${b.name}.tar.gz }`);
          // the policies match on the request path itself, so a test header picks the policy
          routes.push(`  - { name: ${b.name}, match: { headers: [{ name: x-fixture, exact: ${b.name} }] }, policy: { bundle: ${b.name}, entrypoint: ${b.entrypoint} } }`);
        }
        return `default_action: { action: deny }\npolicy:\n  bundles:\n${bundles.join('\n')}\nroutes:\n${routes.join('\n')}\n`;
      },
    });
  });
  after(async () => { await stack?.stop(); });

  const T = { 'x-fixture': 'tutorial-jwt' };
  const O = { 'x-fixture': 'object-decision' };
  const H = { 'x-fixture': 'headers-to-remove' };

  it('the standalone-Envoy tutorial: alice lists, cannot create; bob creates Charlie, not Bob (JSON body through Envoy)', async () => {
    const auth = (t: string) => ({ ...T, authorization: `Bearer ${t}` });
    const json = { 'content-type': 'application/json' };
    assert.equal((await stack.request({ method: 'GET', path: '/people', headers: auth(ALICE) })).status, 200);
    assert.equal((await stack.request({ method: 'POST', path: '/people', headers: { ...auth(ALICE), ...json }, body: '{"firstname":"Charlie", "lastname":"OPA"}' })).status, 403);
    const created = await stack.request({ method: 'POST', path: '/people', headers: { ...auth(BOB), ...json }, body: '{"firstname":"Charlie", "lastname":"Opa"}' });
    assert.equal(created.status, 200);
    assert.equal(created.json().body, '{"firstname":"Charlie", "lastname":"Opa"}');
    assert.equal((await stack.request({ method: 'POST', path: '/people', headers: { ...auth(BOB), ...json }, body: '{"firstname":"Bob", "lastname":"Rego"}' })).status, 403);
  });

  it('an object decision: allowed → its headers reach the upstream; the default object reaches the client as 301 with its headers and body', async () => {
    const ok = await stack.request({ method: 'GET', path: '/my/test/path', headers: O });
    assert.equal(ok.status, 200);
    assert.equal(ok.json().headers.x, 'hello');
    assert.equal(ok.json().headers.y, 'world');
    const r = await stack.request({ method: 'GET', path: '/api/v1/products', headers: O });
    assert.equal(r.status, 301);
    assert.equal(r.body, 'Unauthorized Request');
    assert.equal(r.headers.foo, 'bar');
    assert.equal(r.headers.baz, 'taz');
  });

  it('request_headers_to_remove and headers: the upstream sees x and y, not foo and bar', async () => {
    const r = await stack.request({ method: 'GET', path: '/my/test/path', headers: { ...H, foo: 'secret-1', bar: 'secret-2', keep: 'me' } });
    assert.equal(r.status, 200);
    const seen = r.json().headers;
    assert.equal(seen.foo, undefined);
    assert.equal(seen.bar, undefined);
    assert.equal(seen.keep, 'me');
    assert.equal(seen.x, 'hello');
    assert.equal(seen.y, 'world');
    const denied = await stack.request({ method: 'GET', path: '/elsewhere', headers: H });
    assert.equal(denied.status, 403);
  });
});
