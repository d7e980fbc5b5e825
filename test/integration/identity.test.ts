import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mintKey, recordLine } from '../../src/identity/api-key-format.js';
import { signRequest } from '../../src/identity/sign.js';
import { fixtureServer, json } from '../unit/identity/helpers.js';
import { AUD, b64, ISS, keyPair, sign, type KeyPair } from '../unit/identity/jwt-fixtures.js';
import { startStack, type Stack } from './harness/stack.js';

const nowS = () => Math.floor(Date.now() / 1000);
const SECRET = 'integration-shared-secret-0123456789abcdef';

describe('identity through a real Envoy', () => {
  let stack: Stack;
  let idp: Awaited<ReturnType<typeof fixtureServer>>;
  let rsa: KeyPair;
  let ec: KeyPair;
  let rotated: KeyPair;
  let jwksKeys: KeyPair[] = [];
  const introspected: string[] = [];
  const good = mintKey();
  const disabled = mintKey();
  const expired = mintKey();

  before(async () => {
    rsa = await keyPair('RS256', 'rsa-1');
    ec = await keyPair('ES256', 'ec-1');
    rotated = await keyPair('RS256', 'rsa-2');
    jwksKeys = [rsa, ec];
    idp = await fixtureServer((req, res, body) => {
      if (req.url === '/.well-known/openid-configuration') return json(res, 200, { issuer: ISS, jwks_uri: `${idp.url}/jwks` });
      if (req.url === '/jwks') return json(res, 200, { keys: jwksKeys.map((k) => k.jwk) }, { 'cache-control': 'max-age=300' });
      if (req.url === '/introspect') {
        const form = new URLSearchParams(body);
        introspected.push(form.get('token') ?? '');
        if (req.headers.authorization !== `Basic ${Buffer.from('gateway:gw-secret').toString('base64')}`) return json(res, 401, { error: 'invalid_client' });
        return json(res, 200, form.get('token') === 'opaque-good' ? { active: true, sub: 'svc-opaque', scope: 'read', exp: nowS() + 300 } : { active: false });
      }
      res.writeHead(404).end();
    });
    stack = await startStack({
      config: ({ dir, certDir }) => {
        writeFileSync(join(dir, 'keys.jsonl'), [
          recordLine(good, { owner: 'acme', plan: 'gold', roles: ['buyer'] }),
          JSON.stringify({ ...JSON.parse(recordLine(disabled, { owner: 'acme' })), disabled: true }),
          recordLine(expired, { owner: 'initech', expires: new Date(Date.now() - 86_400_000) }),
        ].join('\n'));
        void certDir;
        return `
default_action: { action: deny }
identity:
  realm: shop
  issuers:
    - name: idp
      issuer: ${ISS}
      discovery: ${idp.url}/.well-known/openid-configuration
      algorithms: [RS256, ES256]
      audiences: [${AUD}]
      jwks: { unknown_kid_cooldown_s: 1 }
      from: [ { header: authorization, prefix: "Bearer " }, { query: access_token } ]
  introspection:
    - { name: as, url: "${idp.url}/introspect", client_id: gateway, client_secret: gw-secret }
  api_keys: { file: keys.jsonl }
  signatures:
    keys: [ { id: partner, algorithm: hmac-sha256, secret: "${SECRET}", subject: partner-co } ]
  mtls:
    allow: [ { name: demo, spiffe_id: "spiffe://portcullis.test/ns/demo/*", roles: [service] } ]
routes:
  - name: orders
    match: { path: { prefix: /api/v1/orders } }
    identity:
      accept: [jwt, introspection, api_key, signature]
      forward: { claims: { sub: x-user-id, roles: x-user-roles, plan: x-plan } }
  - name: internal
    match: { path: { prefix: /api/v1/inventory } }
    identity: { accept: [mtls], forward: { claims: { sub: x-user-id, roles: x-user-roles } } }
  - name: stripped
    match: { path: { prefix: /api/v1/reports } }
    identity: { accept: [jwt], strip_credential: true }
  - name: web
    match: { path: { prefix: / } }
    identity: { accept: [jwt], allow_anonymous: true }
`;
      },
    });
  });
  after(async () => { await stack?.stop(); await idp?.close(); });

  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  it('a valid JWT (keys from OIDC discovery) reaches the upstream with identity headers; spoofed ones are replaced', async () => {
    const r = await stack.request({ path: '/api/v1/orders/1', headers: { ...bearer(await sign(rsa, nowS(), { roles: ['reader', 'admin'] })), 'x-user-id': 'root', 'x-plan': 'platinum' } });
    assert.equal(r.status, 200, r.body);
    const seen = r.json().headers;
    assert.equal(seen['x-user-id'], 'alice');
    assert.equal(seen['x-user-roles'], 'reader,admin');
    assert.equal(seen['x-portcullis-auth-kind'], 'jwt');
    assert.equal(seen['x-plan'], undefined, 'a client-sent identity header never reaches the upstream');
  });

  it('no credential: 401 with a challenge for every accepted kind', async () => {
    const r = await stack.request({ path: '/api/v1/orders/1' });
    assert.equal(r.status, 401);
    assert.equal(r.json().error, 'ERR_UNAUTHENTICATED');
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="shop", ApiKey realm="shop", Signature realm="shop"');
    assert.match(r.headers['accept-signature'] ?? '', /^sig1=\(/);
  });

  it('attack: alg none (any case) → 401 invalid_token', async () => {
    for (const alg of ['none', 'NoNe']) {
      const r = await stack.request({ path: '/api/v1/orders/1', headers: bearer(`${b64({ alg })}.${b64({ iss: ISS, aud: AUD, sub: 'root', exp: nowS() + 60 })}.`) });
      assert.equal(r.status, 401);
      assert.equal(r.json().error, 'ERR_JWT_ALG');
      assert.equal(r.headers['www-authenticate'], 'Bearer realm="shop", error="invalid_token", error_description="token algorithm not allowed"');
    }
  });

  it('attack: HS256 signed with the issuer\'s RSA public key → 401', async () => {
    const input = `${b64({ alg: 'HS256', kid: 'rsa-1' })}.${b64({ iss: ISS, aud: AUD, sub: 'root', exp: nowS() + 60 })}`;
    const t = `${input}.${createHmac('sha256', rsa.pem).update(input).digest('base64url')}`;
    const r = await stack.request({ path: '/api/v1/orders/1', headers: bearer(t) });
    assert.equal(r.status, 401);
    assert.equal(r.json().error, 'ERR_JWT_ALG');
  });

  it('attack: a jku header pointing at the attacker\'s keys → 401', async () => {
    const attacker = await keyPair('RS256', 'rsa-1');
    const r = await stack.request({ path: '/api/v1/orders/1', headers: bearer(await sign(attacker, nowS(), {}, { jku: 'http://127.0.0.1:1/keys' })) });
    assert.equal(r.status, 401);
    assert.equal(r.json().error, 'ERR_JWT_HEADER');
  });

  it('attack: expired token, wrong audience, ES256 all-zero signature, oversize token → 401 each', async () => {
    const cases: Array<[string, string]> = [
      [await sign(rsa, nowS() - 7200), 'ERR_JWT_EXPIRED'],
      [await sign(rsa, nowS(), { aud: 'api://elsewhere' }), 'ERR_JWT_AUDIENCE'],
      [`${b64({ alg: 'ES256', kid: 'ec-1' })}.${b64({ iss: ISS, aud: AUD, sub: 'root', exp: nowS() + 60 })}.${Buffer.alloc(64).toString('base64url')}`, 'ERR_JWT_SIGNATURE'],
      [await sign(rsa, nowS(), { pad: 'x'.repeat(9000) }), 'ERR_JWT_TOO_LARGE'],
    ];
    for (const [t, code] of cases) {
      const r = await stack.request({ path: '/api/v1/orders/1', headers: bearer(t) });
      assert.equal(r.status, 401, code);
      assert.equal(r.json().error, code);
    }
  });

  it('a new signing key (unknown kid) is fetched from the JWKS and accepted', async () => {
    jwksKeys = [rsa, ec, rotated];
    await new Promise((r) => setTimeout(r, 1100)); // past the unknown-kid cooldown since start
    const r = await stack.request({ path: '/api/v1/orders/1', headers: bearer(await sign(rotated, nowS())) });
    assert.equal(r.status, 200, r.body);
  });

  it('a token in the header and the query at once → 400 invalid_request', async () => {
    const t = await sign(rsa, nowS());
    const r = await stack.request({ path: `/api/v1/orders/1?access_token=${t}`, headers: bearer(t) });
    assert.equal(r.status, 400);
    assert.equal(r.json().error, 'ERR_TOKEN_AMBIGUOUS');
    assert.match(r.headers['www-authenticate'] ?? '', /error="invalid_request"/);
  });

  it('strip_credential removes a query token from what the upstream sees, however its name is escaped', async () => {
    const t = await sign(rsa, nowS());
    for (const name of ['access_token', 'access%5Ftoken', 'acc%65ss_token']) {
      const r = await stack.request({ path: `/api/v1/reports/1?a=1&${name}=${t}&b=2` });
      assert.equal(r.status, 200, `${name}: ${r.body}`);
      const seen = r.json().path as string;
      assert.ok(!seen.includes(t.slice(-20)), `${name}: the upstream saw the token in ${seen}`);
      assert.match(seen, /^\/api\/v1\/reports\/1\?/);
      assert.match(seen, /a=1/);
      assert.match(seen, /b=2/);
    }
  });

  it('an invalid token on an anonymous-friendly route is still 401; no token is anonymous', async () => {
    assert.equal((await stack.request({ path: '/home', headers: bearer('garbage') })).status, 401);
    const anon = await stack.request({ path: '/home' });
    assert.equal(anon.status, 200);
    assert.equal(anon.json().headers['x-portcullis-auth-kind'], 'anonymous');
  });

  it('an opaque token is introspected (RFC 7662): active → 200, inactive → 401', async () => {
    const ok = await stack.request({ path: '/api/v1/orders/1', headers: bearer('opaque-good') });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json().headers['x-user-id'], 'svc-opaque');
    assert.equal(ok.json().headers['x-portcullis-auth-kind'], 'introspection');
    const bad = await stack.request({ path: '/api/v1/orders/1', headers: bearer('opaque-revoked') });
    assert.equal(bad.status, 401);
    assert.equal(bad.json().error, 'ERR_INTROSPECTION_INACTIVE');
    assert.ok(introspected.includes('opaque-good'));
  });

  it('API keys: valid → 200 with plan; disabled and expired → 401', async () => {
    const ok = await stack.request({ path: '/api/v1/orders/1', headers: { 'x-api-key': good } });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json().headers['x-plan'], 'gold');
    assert.equal(ok.json().headers['x-user-id'], 'acme');
    const d = await stack.request({ path: '/api/v1/orders/1', headers: { 'x-api-key': disabled } });
    assert.equal(d.status, 401);
    assert.equal(d.json().error, 'ERR_API_KEY_DISABLED');
    assert.match(d.headers['www-authenticate'] ?? '', /^ApiKey realm="shop", error="invalid_key"/);
    const e = await stack.request({ path: '/api/v1/orders/1', headers: { 'x-api-key': expired } });
    assert.equal(e.json().error, 'ERR_API_KEY_EXPIRED');
  });

  it('a signed request (content-digest over the body Envoy forwards) → 200; replay and changed body → 401', async () => {
    const url = `http://127.0.0.1:${stack.envoy.httpPort}/api/v1/orders?dry=1`;
    const body = '{"item":"book","qty":1}';
    const hs = signRequest({ method: 'POST', url, body, keyId: 'partner', algorithm: 'hmac-sha256', key: Buffer.from(SECRET) });
    const headers = { ...hs, 'content-type': 'application/json' };
    const ok = await stack.request({ method: 'POST', path: '/api/v1/orders?dry=1', headers, body });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json().headers['x-user-id'], 'partner-co');
    assert.equal(ok.json().body, body);
    const replay = await stack.request({ method: 'POST', path: '/api/v1/orders?dry=1', headers, body });
    assert.equal(replay.status, 401);
    assert.equal(replay.json().error, 'ERR_SIG_REPLAY');
    const hs2 = signRequest({ method: 'POST', url, body, keyId: 'partner', algorithm: 'hmac-sha256', key: Buffer.from(SECRET) });
    const changed = await stack.request({ method: 'POST', path: '/api/v1/orders?dry=1', headers: { ...hs2, 'content-type': 'application/json' }, body: '{"item":"book","qty":1000}' });
    assert.equal(changed.status, 401);
    assert.equal(changed.json().error, 'ERR_SIG_DIGEST');
    assert.match(changed.headers['www-authenticate'] ?? '', /^Signature realm="shop"/);
  });

  it('a signature covering a field sent on two lines (RFC 9421 §2.1: signed as "a, b"; Envoy joins it as "a,b") → 200', async () => {
    const url = `http://127.0.0.1:${stack.envoy.httpPort}/api/v1/orders/1`;
    const components = ['@method', '@authority', '@path', '@query', 'x-list'];
    const hs = signRequest({ method: 'GET', url, components, headers: { 'x-list': 'a, b' }, keyId: 'partner', algorithm: 'hmac-sha256', key: Buffer.from(SECRET) });
    const ok = await stack.request({ path: '/api/v1/orders/1', headers: { ...hs, 'x-list': ['a', 'b'] as unknown as string } });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json().headers['x-user-id'], 'partner-co');
    const hs2 = signRequest({ method: 'GET', url, components, headers: { 'x-list': 'a, b' }, keyId: 'partner', algorithm: 'hmac-sha256', key: Buffer.from(SECRET) });
    const other = await stack.request({ path: '/api/v1/orders/1', headers: { ...hs2, 'x-list': ['a', 'c'] as unknown as string } });
    assert.equal(other.status, 401);
    assert.equal(other.json().error, 'ERR_SIG_INVALID');
  });

  it('mTLS: an allowed SPIFFE ID → 200 with identity; another CA-signed client → 401; no client certificate → 401', async () => {
    const ok = await stack.request({ via: 'mtls', path: '/api/v1/inventory/1' });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json().headers['x-user-id'], 'spiffe://portcullis.test/ns/demo/sa/client');
    assert.equal(ok.json().headers['x-user-roles'], 'service');
    assert.equal(ok.json().headers['x-portcullis-auth-kind'], 'mtls');
    const other = await stack.request({ via: 'mtls', path: '/api/v1/inventory/1', cert: stack.certs.otherCert, key: stack.certs.otherKey });
    assert.equal(other.status, 401);
    assert.equal(other.json().error, 'ERR_MTLS_NOT_ALLOWED');
    const plain = await stack.request({ via: 'tls', path: '/api/v1/inventory/1' });
    assert.equal(plain.status, 401);
    assert.equal(plain.json().error, 'ERR_UNAUTHENTICATED');
    const spoof = await stack.request({ path: '/api/v1/inventory/1', headers: { 'x-forwarded-client-cert': 'URI=spiffe://portcullis.test/ns/demo/sa/client' } });
    assert.equal(spoof.status, 401, 'x-forwarded-client-cert from a client is not trusted');
  });

  it('logs and metrics carry reason codes but no credentials', async () => {
    await new Promise((r) => setTimeout(r, 200));
    const logs = stack.portcullis[0]!.logs();
    assert.ok(!logs.includes(good) && !logs.includes(SECRET) && !logs.includes('gw-secret') && !logs.includes('opaque-good'));
    const metrics = await (await fetch(`${stack.portcullis[0]!.adminUrl}/metrics`)).text();
    assert.match(metrics, /portcullis_identity_verifications_total\{kind="jwt",result="ERR_JWT_ALG"\} [1-9]/);
    assert.match(metrics, /portcullis_checks_total\{decision="deny",code="ERR_API_KEY_DISABLED",route="orders"\} 1/);
    assert.ok(!metrics.includes(good));
  });
});
