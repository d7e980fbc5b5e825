import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mintKey, recordLine, hashKey, keyId } from '../../../src/identity/api-key-format.js';
import { signRequest } from '../../../src/identity/sign.js';
import { ConfigLoadError } from '../../../src/config/errors.js';
import type { AdminRoute } from '../../../src/server/admin-route.js';
import { runtimeFor, type Harness } from './helpers.js';
import { AUD, ISS, keyPair, sign, type KeyPair } from './jwt-fixtures.js';

const nowS = () => Math.floor(Date.now() / 1000);
const SECRET = 'module-test-shared-secret-0123456789abcdef';

async function admin(h: Harness, method: string, path: string, body: unknown): Promise<{ status: number; json: any }> {
  const routes: AdminRoute[] = h.rt.modules.get('identity')!.adminRoutes!();
  const route = routes.find((r) => r.method === method && r.path === path)!;
  let status = 0; let text = '';
  const res: any = { writeHead(s: number) { status = s; return res; }, end(t: string) { text = t; } };
  await route.handle({} as any, res, Buffer.from(body === undefined ? '' : JSON.stringify(body)));
  return { status, json: JSON.parse(text) };
}

describe('identity module through the Check pipeline', () => {
  let dir = '';
  let rsa: KeyPair;
  let h: Harness;
  const key1 = mintKey();
  const key2 = mintKey();

  const yaml = () => `
identity:
  realm: shop
  issuers:
    - name: local
      issuer: ${ISS}
      keys: [ { file: rsa.pub, kid: ${rsa.jwk.kid} } ]
      algorithms: [RS256]
      audiences: [${AUD}]
      from: [ { header: authorization, prefix: "Bearer " }, { query: access_token } ]
  api_keys: { file: keys.jsonl, from: [ { header: x-api-key }, { query: api_key } ] }
  signatures:
    keys: [ { id: partner, algorithm: hmac-sha256, secret: "${SECRET}", subject: partner-co } ]
routes:
  - name: strict
    match: { path: { prefix: /strict } }
    identity:
      accept: [jwt:local, api_key, signature]
      forward: { claims: { sub: x-user-id, roles: x-user-roles, plan: x-plan } }
  - name: open
    match: { path: { prefix: /open } }
    identity: { accept: [jwt], allow_anonymous: true }
  - name: strip
    match: { path: { prefix: /strip } }
    identity: { accept: [api_key, jwt], strip_credential: true }
  - name: public
    match: { path: { prefix: / } }
`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-idmod-'));
    rsa = await keyPair('RS256', 'k1');
    writeFileSync(join(dir, 'rsa.pub'), rsa.pem);
    writeFileSync(join(dir, 'keys.jsonl'), [
      recordLine(key1, { owner: 'acme', roles: ['buyer'], plan: 'gold' }),
      recordLine(key2, { owner: 'globex', plan: 'free' }),
    ].join('\n'));
    h = await runtimeFor(yaml(), dir);
  });
  after(async () => { await h.close(); });

  it('no credential: 401 with one challenge per accepted kind and Accept-Signature', async () => {
    const r = await h.send({ path: '/strict/a' });
    assert.equal(r.status, 401);
    assert.equal(r.code, 'ERR_UNAUTHENTICATED');
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="shop", ApiKey realm="shop", Signature realm="shop"');
    assert.match(r.headers['accept-signature']!, /^sig1=\("@method" "@authority" "@path" "@query" "content-digest"\);created;keyid;nonce$/);
  });

  it('valid JWT: allowed; claims forwarded as headers; kind header; dynamic metadata', async () => {
    const r = await h.send({ path: '/strict/a', headers: { authorization: `Bearer ${await sign(rsa, nowS(), { roles: ['reader', 'admin'] })}` } });
    assert.equal(r.allowed, true);
    assert.equal(r.upstream['x-user-id'], 'alice');
    assert.equal(r.upstream['x-user-roles'], 'reader,admin');
    assert.equal(r.upstream['x-portcullis-auth-kind'], 'jwt');
    assert.equal(r.upstream['x-plan'], undefined);
    assert.deepEqual(r.metadata.identity, { kind: 'jwt', subject: 'alice', issuer: ISS, roles: ['reader', 'admin'] });
  });

  it('an expired JWT: 401 with RFC 6750 error and description; the token is not echoed', async () => {
    const token = await sign(rsa, nowS() - 3600, {});
    const r = await h.send({ path: '/strict/a', headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 401);
    assert.equal(r.code, 'ERR_JWT_EXPIRED');
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="shop", error="invalid_token", error_description="token expired"');
    assert.equal(r.body.error, 'ERR_JWT_EXPIRED');
    assert.ok(!JSON.stringify(r).includes(token.split('.')[2]!));
  });

  it('an invalid credential never falls through to anonymous', async () => {
    const r = await h.send({ path: '/open/a', headers: { authorization: 'Bearer a.b.c' } });
    assert.equal(r.status, 401);
    assert.equal(r.code, 'ERR_JWT_MALFORMED');
    const anon = await h.send({ path: '/open/a' });
    assert.equal(anon.allowed, true);
    assert.equal(anon.upstream['x-portcullis-auth-kind'], 'anonymous');
  });

  it('the first present credential that verifies wins (bad JWT + good API key)', async () => {
    const r = await h.send({ path: '/strict/a', headers: { authorization: 'Bearer x.y.z', 'x-api-key': key1 } });
    assert.equal(r.allowed, true);
    assert.equal(r.upstream['x-user-id'], 'acme');
    assert.equal(r.upstream['x-plan'], 'gold');
    assert.equal(r.upstream['x-portcullis-auth-kind'], 'api_key');
  });

  it('API key failure uses the ApiKey challenge', async () => {
    const r = await h.send({ path: '/strict/a', headers: { 'x-api-key': mintKey() } });
    assert.equal(r.code, 'ERR_API_KEY_INVALID');
    assert.equal(r.headers['www-authenticate'], 'ApiKey realm="shop", error="invalid_key", error_description="API key invalid"');
  });

  it('a signed request is accepted; a tampered one gets the Signature challenge and Accept-Signature', async () => {
    const url = 'http://api.test/strict/pay?x=1';
    const body = '{"amount":5}';
    const hs = signRequest({ method: 'POST', url, body, keyId: 'partner', algorithm: 'hmac-sha256', key: Buffer.from(SECRET) });
    const ok = await h.send({ method: 'POST', path: '/strict/pay?x=1', host: 'api.test', headers: hs, body });
    assert.equal(ok.allowed, true);
    assert.equal(ok.upstream['x-user-id'], 'partner-co');
    const replay = await h.send({ method: 'POST', path: '/strict/pay?x=1', host: 'api.test', headers: hs, body });
    assert.equal(replay.code, 'ERR_SIG_REPLAY');
    const hs2 = signRequest({ method: 'POST', url, body, keyId: 'partner', algorithm: 'hmac-sha256', key: Buffer.from(SECRET) });
    const bad = await h.send({ method: 'POST', path: '/strict/pay?x=1', host: 'api.test', headers: hs2, body: '{"amount":5000}' });
    assert.equal(bad.code, 'ERR_SIG_DIGEST');
    assert.match(bad.headers['www-authenticate']!, /^Signature realm="shop", error="invalid_signature"/);
    assert.ok(bad.headers['accept-signature']);
  });

  it('identity headers are owned: a client-sent x-user-id is removed or overwritten', async () => {
    assert.ok(h.rt.owned.names.has('x-user-id'), 'route-level forward header is owned');
    assert.ok(h.rt.owned.names.has('x-portcullis-auth-kind'));
    const anon = await h.send({ path: '/public', headers: { 'x-user-id': 'admin', 'x-user-roles': 'admin' } });
    assert.equal(anon.allowed, true);
    assert.ok(anon.removed.includes('x-user-id') && anon.removed.includes('x-user-roles'), 'stripped on a route without identity');
    const r = await h.send({ path: '/strict/a', headers: { 'x-api-key': key2, 'x-user-id': 'admin' } });
    assert.equal(r.upstream['x-user-id'], 'globex');
  });

  it('an oversized JWT is a malformed token: 401 invalid_token (RFC 6750 §3.1), like every other malformed one', async () => {
    const big = await sign(rsa, nowS(), { pad: 'x'.repeat(9000) });
    const r = await h.send({ path: '/strict/a', headers: { authorization: `Bearer ${big}` } });
    assert.equal(r.status, 401);
    assert.equal(r.code, 'ERR_JWT_TOO_LARGE');
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="shop", error="invalid_token", error_description="token is too large"');
    const bad = await h.send({ path: '/strict/a', headers: { authorization: 'Bearer not-a-jwt' } });
    assert.equal(bad.status, 401);
    assert.match(bad.headers['www-authenticate']!, /error="invalid_token"/);
  });

  it('a credential in two places: 400 invalid_request', async () => {
    const r = await h.send({ path: `/strict/a?api_key=${key1}`, headers: { 'x-api-key': key1 } });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'ERR_TOKEN_AMBIGUOUS');
    assert.match(r.headers['www-authenticate']!, /error="invalid_request"/);
  });

  it('strip_credential removes the API key query parameter and the token header upstream', async () => {
    const q = await h.send({ path: `/strip/a?api_key=${key1}` });
    assert.deepEqual(q.queryRemoved, ['api_key']);
    const hd = await h.send({ path: '/strip/a', headers: { authorization: `Bearer ${await sign(rsa, nowS())}` } });
    assert.ok(hd.removed.includes('authorization'));
  });

  it('revocation by jti through the admin endpoint: the cached token stops working at once', async () => {
    const token = await sign(rsa, nowS(), { jti: 'tok-42' });
    assert.equal((await h.send({ path: '/strict/a', headers: { authorization: `Bearer ${token}` } })).allowed, true);
    const a = await admin(h, 'POST', '/admin/revoke', { jti: 'tok-42', until: nowS() + 600 });
    assert.equal(a.status, 200);
    const r = await h.send({ path: '/strict/a', headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.code, 'ERR_TOKEN_REVOKED');
    assert.equal(r.status, 401);
    const list = await admin(h, 'GET', '/admin/revocations', undefined);
    assert.ok(list.json.revocations.some((x: any) => x.jti === 'tok-42'));
    await admin(h, 'DELETE', '/admin/revoke', { jti: 'tok-42' });
    assert.equal((await h.send({ path: '/strict/a', headers: { authorization: `Bearer ${token}` } })).allowed, true);
  });

  it('revocation of an API key by id, and of a subject issued before now', async () => {
    const r1 = await admin(h, 'POST', '/admin/revoke', { api_key_id: keyId(hashKey(key2)) });
    assert.equal(r1.status, 200);
    assert.ok(!JSON.stringify(r1.json).includes(key2));
    assert.equal((await h.send({ path: '/strict/a', headers: { 'x-api-key': key2 } })).code, 'ERR_API_KEY_REVOKED');
    const before = await sign(rsa, nowS() - 10, { sub: 'mallory' });
    await admin(h, 'POST', '/admin/revoke', { subject: 'mallory', issuer: ISS });
    assert.equal((await h.send({ path: '/strict/a', headers: { authorization: `Bearer ${before}` } })).code, 'ERR_TOKEN_REVOKED');
    const fresh = await sign(rsa, nowS() + 2, { sub: 'mallory' });
    assert.equal((await h.send({ path: '/strict/a', headers: { authorization: `Bearer ${fresh}` } })).allowed, true);
  });

  it('the admin endpoint refuses bad input', async () => {
    assert.equal((await admin(h, 'POST', '/admin/revoke', { jti: 'a', subject: 'b' })).status, 400);
    assert.equal((await admin(h, 'POST', '/admin/revoke', { nope: 1 })).status, 400);
    assert.equal((await admin(h, 'POST', '/admin/revoke', { api_key_id: 'ffffffffffff' })).status, 400);
    assert.equal((await admin(h, 'POST', '/admin/revoke', { jti: 'a', until: 'tomorrow' })).status, 400);
  });

  // a jti revocation covers every issuer (RFC 7519 §4.1.7: jti values do not collide across issuers); a field the
  // kind does not use was dropped silently, so `{"jti":…,"issuer":…}` revoked the jti for every issuer
  it('the admin endpoint refuses a field the revocation kind does not use instead of ignoring it', async () => {
    for (const body of [{ jti: 'scoped', issuer: ISS }, { jti: 'scoped', before: nowS() }, { subject: 'bob', until: nowS() + 60 },
      { api_key_id: keyId(hashKey(key2)), until: nowS() + 60 }, { api_key_id: keyId(hashKey(key2)), issuer: ISS }]) {
      const r = await admin(h, 'POST', '/admin/revoke', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.error, /does not apply/);
    }
    const list = await admin(h, 'GET', '/admin/revocations', undefined);
    assert.ok(!list.json.revocations.some((x: any) => x.jti === 'scoped' || x.subject === 'bob'));
  });
});

describe('identity config errors name the place and the problem', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['unknown issuer', 'identity: { issuers: [ { name: a, issuer: "https://a", jwks_url: "http://127.0.0.1:1/j" } ] }\nroutes: [ { name: r, identity: { accept: ["jwt:b"] } } ]', /\/routes\/0\/identity\/accept\/0: unknown issuer "b"/],
    ['no api keys', 'routes: [ { name: r, identity: { accept: [api_key] } } ]', /\/routes\/0\/identity\/accept\/0: API keys are not configured/],
    ['listed twice', 'identity: { mtls: { allow: [ { spiffe_id: "spiffe://a/b" } ] } }\nroutes: [ { name: r, identity: { accept: [mtls, mtls] } } ]', /accept\/1: "mtls" is listed twice/],
    ['unknown key', 'identity: { issuers: [ { name: a, issuer: x, jwks_url: "http://h/j", jwks_uri: "x" } ] }', /\/identity\/issuers\/0\/jwks_uri: unknown key/],
    ['two key sources', 'identity: { issuers: [ { name: a, issuer: x, jwks_url: "http://h/j", discovery: true } ] }', /\/identity\/issuers\/0: set exactly one key source/],
    ['missing key file', 'identity: { issuers: [ { name: a, issuer: x, keys: [ { file: nope.pem } ] } ] }', /\/identity\/issuers\/0\/keys\/0\/file: cannot read nope.pem: ENOENT/],
    ['short secret', 'identity: { issuers: [ { name: a, issuer: x, keys: [ { secret: short } ] } ] }', /at least 32 bytes/],
    // jwt_authn reads an empty list as "do not check"; here it refused every token: omit the key instead
    ['empty audiences', 'identity: { issuers: [ { name: a, issuer: x, jwks_url: "http://h/j", audiences: [] } ] }', /\/identity\/issuers\/0\/audiences: must NOT have fewer than 1 items/],
    ['empty introspection audiences', 'identity: { introspection: [ { name: a, url: "http://h/i", client_id: c, client_secret: s, audiences: [] } ] }', /\/identity\/introspection\/0\/audiences: must NOT have fewer than 1 items/],
    ['bad accept', 'routes: [ { name: r, identity: { accept: [password] } } ]', /\/routes\/0\/identity\/accept\/0: must match pattern/],
    ['bad CIDR', 'identity: { mtls: { allow: [ { spiffe_id: "spiffe://a/b" } ], xfcc: { trusted_proxies: [ "not-an-ip" ] } } }', /xfcc\/trusted_proxies\/0: not a CIDR/],
    // a token source names exactly one place: a prefix alone read nothing at all; header + query read only the header
    ['token source without a place', 'identity: { issuers: [ { name: a, issuer: x, jwks_url: "http://h/j", from: [ { prefix: "Bearer " } ] } ] }', /\/identity\/issuers\/0\/from\/0: must match exactly one schema in oneOf/],
    ['token source with two places', 'identity: { api_keys: { file: k.jsonl, from: [ { header: x-key, query: api_key } ] } }', /\/identity\/api_keys\/from\/0: must match exactly one schema in oneOf/],
    ['prefix on a query source', 'identity: { introspection: [ { name: a, url: "http://h/i", client_id: c, client_secret: s, from: [ { query: t, prefix: "Bearer " } ] } ] }', /\/identity\/introspection\/0\/from\/0.*prefix/],
  ];
  for (const [name, yaml, re] of cases) {
    it(name, async () => {
      await assert.rejects(runtimeFor(yaml, mkdtempSync(join(tmpdir(), 'pc-idcfg-'))), (e: unknown) => {
        assert.ok(e instanceof ConfigLoadError, `expected ConfigLoadError, got ${e}`);
        assert.match(e.message, re);
        return true;
      });
    });
  }
});
