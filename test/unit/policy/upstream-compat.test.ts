import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { buildBundle } from '../../../src/policy/cli/build.js';
import { locateBuiltinCalls } from '../../../src/policy/cli/builtin-locate.js';
import { policyBuildCommand } from '../../../src/policy/cli/commands.js';
import { runOpa } from '../../../src/policy/cli/opa.js';
import { loadBundleArchive } from '../../../src/policy/bundle/load.js';
import { PolicyLoadError } from '../../../src/policy/wasm/engine.js';
import { readFileSync } from 'node:fs';
import { decide, runtimeFrom, upstreamHeaders, type ReqSpec } from '../helpers.js';
import { opa, REPO } from './helpers.js';

/**
 * Policies written for the OPA-Envoy plugin (test/fixtures/policy/upstream/, each modelled on a named
 * upstream example) built with Portcullis's own build path (`opa build -t wasm`, --v0-compatible for
 * Rego v0) and evaluated through the whole Check flow, asserting the outcomes their sources document.
 */

const FIXTURES = join(REPO, 'test', 'fixtures', 'policy', 'upstream');

interface Fixture { dir: string; entrypoint: string; v0: boolean }

const F: Record<string, Fixture> = {
  'istio-rbac': { dir: 'istio-rbac', entrypoint: 'envoy/authz/allow', v0: true },
  'object-decision': { dir: 'object-decision', entrypoint: 'envoy/authz/allow', v0: true },
  'headers-to-remove': { dir: 'headers-to-remove', entrypoint: 'envoy/authz/result', v0: true },
  'response-headers-to-add': { dir: 'response-headers-to-add', entrypoint: 'envoy/authz/result', v0: true },
  'truncated-body': { dir: 'truncated-body', entrypoint: 'envoy/authz/allow', v0: true },
  version: { dir: 'version', entrypoint: 'envoy/authz/allow', v0: true },
  'illegal-decision': { dir: 'illegal-decision', entrypoint: 'envoy/authz/allow', v0: true },
  'tutorial-jwt': { dir: 'tutorial-jwt', entrypoint: 'envoy/authz/allow', v0: false },
  'primer-parsed-path': { dir: 'primer-parsed-path', entrypoint: 'envoy/authz/allow', v0: false },
  'primer-parsed-query': { dir: 'primer-parsed-query', entrypoint: 'envoy/authz/allow', v0: false },
  'primer-parsed-body': { dir: 'primer-parsed-body', entrypoint: 'envoy/authz/allow', v0: false },
  'envoy-gateway': { dir: 'envoy-gateway', entrypoint: 'envoy/authz/allow', v0: true },
  'form-body': { dir: 'form-body', entrypoint: 'envoy/authz/allow', v0: false },
  'query-params': { dir: 'query-params', entrypoint: 'envoy/authz/result', v0: false },
};

/** The standalone-Envoy tutorial's tokens (HS256, secret "secret", exp 2241081539). */
const ALICE = 'eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJleHAiOiAyMjQxMDgxNTM5LCAibmJmIjogMTUxNDg1MTEzOSwgInJvbGUiOiAiZ3Vlc3QiLCAic3ViIjogIllXeHBZMlU9In0.Uk5hgUqMuUfDLvBLnlXMD0-X53aM_Hlziqg3vhOsCc8';
const BOB = 'eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJleHAiOiAyMjQxMDgxNTM5LCAibmJmIjogMTUxNDg1MTEzOSwgInJvbGUiOiAiYWRtaW4iLCAic3ViIjogIlltOWkifQ.5qsm7rRTvqFHAgiB6evX0a_hWnGbWquZC0HImVQPQo8';

/** opa-envoy-plugin internal_test.go's JSON body and its length. */
const DEPT_BODY = '{"firstname": "foo", "lastname": "bar", "dept": {"it": "eng"}}';

const hv = (hs: any[] | undefined): Array<[string, string]> => (hs ?? []).map((h: any) => [h.header.key, h.header.value]);
const without = (pairs: Array<[string, string]>, name: string): Array<[string, string]> => pairs.filter(([k]) => k !== name);

describe('OPA-Envoy policies run unchanged (built with opa build -t wasm, evaluated through Check)', () => {
  let dir: string;
  let rt: Runtime;
  let noParse: Runtime;
  const on = (fixture: string, r: ReqSpec) => decide(rt, { ...r, contextExtensions: { service: fixture } });

  before(async () => {
    opa();
    dir = mkdtempSync(join(tmpdir(), 'portcullis-upstream-'));
    const bundles: string[] = [];
    const routes: string[] = [];
    for (const [name, f] of Object.entries(F)) {
      const out = join(dir, `${name}.tar.gz`);
      const r = buildBundle({ src: join(FIXTURES, f.dir), out, entrypoints: [f.entrypoint], v0Compatible: f.v0 });
      assert.ok(r.ok, `${name}: ${r.output}`);
      bundles.push(`    ${name}: { file: ${out} }`);
      routes.push(`  - { name: ${name}, match: { context_extensions: { service: ${name} } }, policy: { bundle: ${name}, entrypoint: ${f.entrypoint} } }`);
    }
    rt = await runtimeFrom(`policy:\n  bundles:\n${bundles.join('\n')}\nroutes:\n${routes.join('\n')}\n`);
    // OPA-Envoy's skip-request-body-parse: true ↔ parse_body: false
    noParse = await runtimeFrom(`policy:\n  parse_body: false\n  bundles:\n    t: { file: ${join(dir, 'truncated-body.tar.gz')} }\nroutes:\n  - { name: t, match: { path: { prefix: / } }, policy: { entrypoint: envoy/authz/allow } }\n`);
  });
  after(async () => {
    if (rt) await closeRuntime(rt);
    if (noParse) await closeRuntime(noParse);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('opa-envoy-plugin internal_test.go expectations', () => {
    it('RBAC over Basic credentials: bob may GET /api/v1/products (OK), alice may not (PERMISSION_DENIED, 403)', async () => {
      const bob = await on('istio-rbac', { path: '/api/v1/products', headers: { authorization: 'Basic Ym9iOnBhc3N3b3Jk', 'content-length': '0' } });
      assert.equal(bob.status.code, 0);
      const alice = await on('istio-rbac', { path: '/api/v1/products', headers: { authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=', 'content-length': '0' } });
      assert.equal(alice.status.code, 7);
      assert.equal(alice.denied_response.status.code, 403);
      assert.equal(alice.status.message, 'ERR_POLICY_DENIED');
    });

    it('parsed_path and parsed_query: /my/test/path?a=1&a=2&x=y is allowed, other values are not', async () => {
      assert.equal((await on('istio-rbac', { path: '/my/test/path?a=1&a=2&x=y' })).status.code, 0);
      assert.equal((await on('istio-rbac', { path: '/my/test/path?a=1&x=y' })).status.code, 7);
      assert.equal((await on('istio-rbac', { path: '/my/test/path/?a=1&a=2&x=y' })).status.code, 7, 'a trailing slash is an extra "" segment, as in OPA-Envoy');
    });

    it('parsed_body: a JSON body is parsed when content-type says JSON; "foo" without a content type is just denied', async () => {
      const ok = await on('istio-rbac', { path: '/x', headers: { 'content-type': 'application/json' }, body: DEPT_BODY });
      assert.equal(ok.status.code, 0);
      const foo = await on('istio-rbac', { path: '/x', body: 'foo' });
      assert.equal(foo.status.code, 7);
      assert.equal(foo.denied_response.status.code, 403);
    });

    it('a body that claims JSON but is not: OPA-Envoy fails the check (Envoy answers 403); Portcullis denies 400 ERR_BAD_REQUEST', async () => {
      const r = await on('istio-rbac', { path: '/x', headers: { 'content-type': 'application/json' }, body: '["foo" : 42}' });
      assert.equal(r.status.code, 7);
      assert.equal(r.denied_response.status.code, 400);
      assert.equal(r.status.message, 'ERR_BAD_REQUEST');
    });

    it('an object decision: allowed → headers to upstream; default object → 301, its headers and body to the client', async () => {
      const ok = await on('object-decision', { path: '/my/test/path?a=1&a=2&x=y' });
      assert.equal(ok.status.code, 0);
      const up = upstreamHeaders(ok);
      assert.equal(up.x, 'hello');
      assert.equal(up.y, 'world');
      const no = await on('object-decision', { path: '/api/v1/products' });
      assert.equal(no.denied_response.status.code, 301);
      assert.equal(no.denied_response.body, 'Unauthorized Request');
      const hs = without(hv(no.denied_response.headers), 'x-portcullis-decision-id');
      assert.deepEqual(hs.sort(), [['baz', 'taz'], ['foo', 'bar']]);
    });

    it('request_headers_to_remove (result path envoy/authz/result): removed upstream, headers x and y set', async () => {
      const r = await on('headers-to-remove', { path: '/my/test/path', headers: { foo: '1', bar: '2' } });
      assert.equal(r.status.code, 0);
      assert.deepEqual(r.ok_response.headers_to_remove.filter((h: string) => h === 'foo' || h === 'bar'), ['foo', 'bar']);
      assert.equal(upstreamHeaders(r).x, 'hello');
      assert.equal(upstreamHeaders(r).y, 'world');
      const denied = await on('headers-to-remove', { path: '/elsewhere' });
      assert.equal(denied.denied_response.status.code, 403);
      assert.deepEqual(without(hv(denied.denied_response.headers), 'x-portcullis-decision-id').filter(([k]) => k !== 'content-type').sort(), [['x', 'hello'], ['y', 'world']],
        'on deny, OPA-Envoy sends `headers` to the client');
    });

    it('response_headers_to_add: both headers are added to the client response on allow', async () => {
      const r = await on('response-headers-to-add', { path: '/my/test/path' });
      assert.equal(r.status.code, 0);
      assert.deepEqual(without(hv(r.ok_response.response_headers_to_add), 'x-portcullis-decision-id').sort(), [['x', 'hello'], ['y', 'world']]);
    });

    it('truncated_body: content-length 100000 with a short JSON body is truncated (deny); an exact length is not (allow)', async () => {
      const cut = await on('truncated-body', { path: '/x', headers: { 'content-type': 'application/json', 'content-length': '100000' }, body: DEPT_BODY });
      assert.equal(cut.status.code, 7);
      const whole = await on('truncated-body', { path: '/x', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(DEPT_BODY)) }, body: DEPT_BODY });
      assert.equal(whole.status.code, 0);
    });

    it('skip-request-body-parse (parse_body: false): an invalid JSON body is not parsed, no truncated_body key, allowed', async () => {
      const r = await decide(noParse, { path: '/x', headers: { 'content-type': 'application/json', 'content-length': '100000' }, body: '["foo" : 42}' });
      assert.equal(r.status.code, 0);
    });

    it('input.version is {ext_authz: v3, encoding: protojson}', async () => {
      assert.equal((await on('version', { path: '/api/v1/products' })).status.code, 0);
    });

    it('a decision that is neither boolean nor object (default allow = 1) is an error: denied ERR_POLICY, never allowed', async () => {
      const r = await on('illegal-decision', { path: '/api/v1/products' });
      assert.equal(r.status.code, 7);
      assert.equal(r.status.message, 'ERR_POLICY');
      assert.equal(r.denied_response.status.code, 403);
    });
  });

  describe('OPA docs: the standalone Envoy tutorial (JWT verified in Rego, parsed_body)', () => {
    const call = (tok: string, method: string, body?: object) => on('tutorial-jwt', {
      method, path: '/people', headers: { authorization: `Bearer ${tok}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    it('alice (guest) can GET /people but cannot create an employee', async () => {
      assert.equal((await call(ALICE, 'GET')).status.code, 0);
      assert.equal((await call(ALICE, 'POST', { firstname: 'Charlie', lastname: 'OPA' })).denied_response.status.code, 403);
    });
    it('bob (admin) can GET and create Charlie, but not an employee with his own first name', async () => {
      assert.equal((await call(BOB, 'GET')).status.code, 0);
      assert.equal((await call(BOB, 'POST', { firstname: 'Charlie', lastname: 'Opa' })).status.code, 0);
      assert.equal((await call(BOB, 'POST', { firstname: 'Bob', lastname: 'Rego' })).denied_response.status.code, 403);
    });
    it('a token signed with another secret, or none, is denied', async () => {
      const forged = `${BOB.slice(0, BOB.lastIndexOf('.'))}.AAAA`;
      assert.equal((await call(forged, 'GET')).status.code, 7);
      assert.equal((await on('tutorial-jwt', { path: '/people' })).status.code, 7);
    });
  });

  describe('OPA docs: the Envoy primer\'s input examples', () => {
    it('parsed_path == ["people"] (query string not part of it)', async () => {
      assert.equal((await on('primer-parsed-path', { path: '/people?lang=en' })).status.code, 0);
      assert.equal((await on('primer-parsed-path', { path: '/people/1' })).status.code, 7);
    });
    it('parsed_query: /people?lang=en&id=1&id=2', async () => {
      assert.equal((await on('primer-parsed-query', { path: '/people?lang=en&id=1&id=2' })).status.code, 0);
      assert.equal((await on('primer-parsed-query', { path: '/people?lang=en&id=2&id=1' })).status.code, 7, 'values keep their order');
    });
    it('parsed_body: the primer\'s POST /people?lang=en with {"firstname":"Charlie", "lastname":"Opa"}', async () => {
      const body = '{"firstname":"Charlie", "lastname":"Opa"}';
      const r = await on('primer-parsed-body', { method: 'POST', path: '/people?lang=en', headers: { 'content-type': 'application/json', 'content-length': '41' }, body });
      assert.equal(r.status.code, 0);
      assert.equal((await on('primer-parsed-body', { method: 'POST', path: '/people', headers: { 'content-type': 'application/json' }, body: '{"firstname":"Bob"}' })).status.code, 7);
    });
  });

  describe('other sources', () => {
    it('opa-envoy-plugin examples/envoy-gateway: only /headers is allowed', async () => {
      assert.equal((await on('envoy-gateway', { path: '/headers' })).status.code, 0);
      assert.equal((await on('envoy-gateway', { path: '/get' })).status.code, 7);
    });
    it('request.go: urlencoded and multipart forms become name → [values] (JSON parts parsed)', async () => {
      assert.equal((await on('form-body', { method: 'POST', path: '/f', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'role=admin&x=1' })).status.code, 0);
      assert.equal((await on('form-body', { method: 'POST', path: '/f', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'role=admin&role=user' })).status.code, 7);
      const mp = ['--B', 'Content-Disposition: form-data; name="meta"', 'Content-Type: application/json', '', '{"level": 3}', '--B--', ''].join('\r\n');
      assert.equal((await on('form-body', { method: 'POST', path: '/f', headers: { 'content-type': 'multipart/form-data; boundary=B' }, body: mp })).status.code, 0);
    });
    it('response.go: query_parameters_to_set (string or list), query_parameters_to_remove and dynamic_metadata', async () => {
      const r = await on('query-params', { path: '/q?debug=1&page=9' });
      assert.equal(r.status.code, 0);
      assert.deepEqual(r.ok_response.query_parameters_to_set.map((q: any) => [q.key, q.value]), [['page', '1'], ['tag', 'a'], ['tag', 'b']]);
      assert.deepEqual(r.ok_response.query_parameters_to_remove, ['debug']);
      const fields = r.dynamic_metadata.fields;
      assert.equal(fields.user.stringValue, 'alice');
      assert.equal(fields.checks.numberValue, 2);
    });
  });

  describe('opa test runs on the fixtures that ship Rego tests', () => {
    for (const [name, v0] of [['istio-rbac', true], ['tutorial-jwt', false]] as const) {
      it(`${name}`, () => {
        const r = runOpa(opa(), ['test', ...(v0 ? ['--v0-compatible'] : []), join(FIXTURES, name)], REPO);
        assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
        assert.match(r.stdout, /PASS: [1-9]\d*\/[1-9]\d*/);
      });
    }
  });
});

describe('OPA-Envoy policies that cannot run as Wasm fail at build and load time, not at request time', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'portcullis-upstream-bad-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(FIXTURES, 'http-send');

  it('loading a bundle that calls http.send is refused, naming the builtin', async () => {
    const out = join(dir, 'h.tar.gz');
    assert.ok(buildBundle({ src, out, entrypoints: ['envoy/authz/allow'], v0Compatible: true }).ok, 'opa itself builds it: Wasm imports http.send from the host');
    await assert.rejects(loadBundleArchive(readFileSync(out)), (err: unknown) =>
      err instanceof PolicyLoadError && err.reason === 'builtins' && /http\.send/.test(err.message) && err.missingBuiltins.join() === 'http.send');
  });

  it('OPA names the Rego file and line of each call', () => {
    const lines = locateBuiltinCalls(opa(), src, ['http.send'], true);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /http-send\/policy\.rego:9: http\.send$/);
  });

  it('`portcullis policy build` fails naming file, line and builtin, and leaves the output untouched', async () => {
    const out = join(dir, 'cli.tar.gz');
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    (process.stderr as any).write = (s: string) => { err.push(String(s)); return true; };
    let code: number;
    try {
      code = await policyBuildCommand.run(['--src', src, '--out', out, '--v0-compatible', '-e', 'envoy/authz/allow']);
    } finally {
      (process.stderr as any).write = write;
    }
    assert.equal(code, 1);
    const text = err.join('');
    assert.match(text, /Portcullis cannot load it: .*http\.send/);
    assert.match(text, /http-send\/policy\.rego:9: http\.send \(not available to Wasm policies in Portcullis\)/);
    assert.equal(existsSync(out), false);
  });

  it('Rego v0 without --v0-compatible, and a build without entrypoints, say what to do', () => {
    const v0 = buildBundle({ src: join(FIXTURES, 'envoy-gateway'), out: join(dir, 'g.tar.gz'), entrypoints: ['envoy/authz/allow'] });
    assert.equal(v0.ok, false);
    assert.match(v0.output, /policy\.rego:\d+: rego_parse_error[\s\S]*--v0-compatible/);
    const noEp = buildBundle({ src: join(FIXTURES, 'primer-parsed-path'), out: join(dir, 'p.tar.gz'), entrypoints: [] });
    assert.equal(noEp.ok, false);
    assert.match(noEp.output, /-e envoy\/authz\/allow/);
  });
});
