import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JWK } from 'jose';
import { fixtureServer, json } from '../unit/identity/helpers.js';
import { AUD, ISS, keyPair, sign, type KeyPair } from '../unit/identity/jwt-fixtures.js';
import { startStack, type Stack } from './harness/stack.js';

/**
 * Envoy jwt_authn's integration cases (filter_integration_test.cc) through a real Envoy + ext_authz:
 * what the client and the upstream see. Differences on purpose: README, Identity → "Coming from Envoy
 * jwt_authn".
 */
const nowS = () => Math.floor(Date.now() / 1000);
const RAW_ISS = 'https://raw.test';

describe('Envoy jwt_authn cases through a real Envoy', () => {
  let stack: Stack;
  let idp: Awaited<ReturnType<typeof fixtureServer>>;
  let rsa: KeyPair; let kidless: KeyPair; let rotated: KeyPair; let raw: KeyPair;
  let keys: JWK[] = [];

  before(async () => {
    rsa = await keyPair('RS256', 'rsa-1');
    kidless = await keyPair('ES256', 'unused');
    rotated = await keyPair('RS256', 'rsa-2');
    raw = await keyPair('EdDSA', 'raw-1');
    const { kid: _kid, ...noKid } = kidless.jwk;
    keys = [rsa.jwk, noKid, raw.jwk];
    idp = await fixtureServer((req, res) => {
      if (req.url === '/jwks') return json(res, 200, { keys });
      res.writeHead(404).end();
    });
    stack = await startStack({
      config: () => `
default_action: { action: deny }
identity:
  realm: shop
  issuers:
    - name: corp
      issuer: ${ISS}
      jwks_url: ${idp.url}/jwks
      audiences: [${AUD}]
      jwks: { unknown_kid_cooldown_s: 1 }
    - name: raw
      issuer: ${RAW_ISS}
      jwks_url: ${idp.url}/jwks
      from: [ { header: authorization } ]
routes:
  - name: api
    match: { path: { prefix: /api } }
    identity:
      accept: [jwt:corp, jwt:raw]
      forward: { claims: { sub: x-jwt-claim-sub, "org.unit": x-jwt-claim-nested, admin: x-jwt-bool-claim, level: x-jwt-int-claim, groups: x-jwt-claim-list } }
`,
    });
  });
  after(async () => { await stack?.stop(); await idp?.close(); });

  it('a good token reaches the upstream with its claim headers; the token itself is forwarded (jwt_authn removes it unless forward: true)', async () => {
    const t = await sign(rsa, nowS(), { org: { unit: 'value1' }, admin: true, level: 9999, groups: ['str1', 'str2'] });
    const r = await stack.request({ path: '/api/x', headers: { authorization: `Bearer ${t}`, 'x-jwt-bool-claim': 'false' } });
    assert.equal(r.status, 200, r.body);
    const seen = r.json().headers;
    assert.equal(seen['x-jwt-claim-sub'], 'alice');
    assert.equal(seen['x-jwt-claim-nested'], 'value1');
    assert.equal(seen['x-jwt-bool-claim'], 'true');
    assert.equal(seen['x-jwt-int-claim'], '9999');
    assert.equal(seen['x-jwt-claim-list'], 'str1,str2');
    assert.equal(seen.authorization, `Bearer ${t}`);
  });

  it('expired and missing tokens are 401 with a Bearer challenge; a wrong audience is 401 too (jwt_authn: 403)', async () => {
    const expired = await stack.request({ path: '/api/x', headers: { authorization: `Bearer ${await sign(rsa, nowS() - 7200)}` } });
    assert.equal(expired.status, 401);
    assert.equal(expired.headers['www-authenticate'], 'Bearer realm="shop", error="invalid_token", error_description="token expired"');
    const missing = await stack.request({ path: '/api/x' });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="shop"');
    const aud = await stack.request({ path: '/api/x', headers: { authorization: `Bearer ${await sign(rsa, nowS(), { aud: 'api://elsewhere' })}` } });
    assert.equal(aud.status, 401);
    assert.equal(aud.json().error, 'ERR_JWT_AUDIENCE');
    assert.match(aud.headers['www-authenticate'] ?? '', /error="invalid_token"/);
  });

  it('one Authorization header read by two issuers (with and without "Bearer ") is one token, not 400', async () => {
    const corp = await stack.request({ path: '/api/x', headers: { authorization: `Bearer ${await sign(rsa, nowS())}` } });
    assert.equal(corp.status, 200, corp.body);
    const rawToken = await stack.request({ path: '/api/x', headers: { authorization: await sign(raw, nowS(), { iss: RAW_ISS }) } });
    assert.equal(rawToken.status, 200, rawToken.body);
    assert.equal(rawToken.json().headers['x-jwt-claim-sub'], 'alice');
  });

  it('a rotated-in key is fetched on its unknown kid although the set has a key without kid', async () => {
    keys = [...keys, rotated.jwk];
    await new Promise((r) => setTimeout(r, 1100)); // past the unknown-kid cooldown since the last fetch
    const r = await stack.request({ path: '/api/x', headers: { authorization: `Bearer ${await sign(rotated, nowS())}` } });
    assert.equal(r.status, 200, r.body);
  });
});
