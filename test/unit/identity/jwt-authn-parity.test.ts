import assert from 'node:assert/strict';
import { KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { fixtureServer, json, runtimeFor, type CheckResult, type Harness } from './helpers.js';
import { AUD, ISS } from './jwt-fixtures.js';

/**
 * The cases of Envoy's jwt_authn filter (its authenticator, extractor, provider verifier and integration
 * tests, and jwt_verify_lib's key and audience tests) replayed against Portcullis through the whole Check
 * pipeline with a remote JWKS. Where Portcullis answers differently on purpose, the case says what
 * jwt_authn answers and asserts ours (README: Identity → "Coming from Envoy jwt_authn").
 */

const nowS = () => Math.floor(Date.now() / 1000);
const OTHER_ISS = 'https://other.test';

interface Signer { alg: string; kid?: string; privateKey: CryptoKey; jwk: JWK }

async function signer(alg: string, kid: string | undefined, opts: Record<string, unknown> = {}): Promise<Signer> {
  const kp = await generateKeyPair(alg, { extractable: true, ...opts });
  const jwk: JWK = { ...(await exportJWK(kp.publicKey)), ...(kid ? { kid } : {}), ...(alg.startsWith('PS') ? { alg } : {}) };
  return { alg, kid, privateKey: kp.privateKey, jwk };
}

function token(s: Signer, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const body: JWTPayload = { iss: ISS, aud: AUD, sub: 'alice', iat: nowS(), exp: nowS() + 600, ...claims };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  const h: Record<string, unknown> = { alg: s.alg, ...(s.kid ? { kid: s.kid } : {}), ...header };
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  return new SignJWT(body).setProtectedHeader(h as any).sign(s.privateKey);
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('Envoy jwt_authn cases against Portcullis', () => {
  let rsa: Signer; let ps: Signer; let es256: Signer; let es384: Signer; let es512: Signer; let ed: Signer;
  let noKidA: Signer; let noKidB: Signer; let rotated: Signer; let stranger: Signer; let other: Signer;
  let jwks: JWK[] = [];
  let fetches = 0;
  let server: Awaited<ReturnType<typeof fixtureServer>>;
  let h: Harness;

  before(async () => {
    rsa = await signer('RS256', 'rsa');
    ps = await signer('PS256', 'ps');
    es256 = await signer('ES256', 'es256');
    es384 = await signer('ES384', 'es384');
    es512 = await signer('ES512', 'es512');
    ed = await signer('EdDSA', 'ed', { crv: 'Ed25519' });
    noKidA = await signer('RS256', undefined);
    noKidB = await signer('RS256', undefined);
    rotated = await signer('RS256', 'rotated');
    stranger = await signer('RS256', 'rsa'); // same kid as `rsa`, another key
    other = await signer('ES256', 'other');
    jwks = [
      // keys this verifier cannot use, mixed in (jwt_authn skips unsupported keys too)
      { kty: 'foo', kid: 'junk' } as JWK,
      { kty: 'EC', crv: 'P-256', kid: 'no-coordinates' },
      { kty: 'oct', k: Buffer.from('a-shared-secret-never-taken-from-a-jwks').toString('base64url'), kid: 'hmac' },
      rsa.jwk, ps.jwk, es256.jwk, es384.jwk, es512.jwk, ed.jwk, noKidA.jwk, noKidB.jwk, other.jwk,
    ];
    server = await fixtureServer((_req, res) => { fetches++; json(res, 200, { keys: jwks }); });
    h = await runtimeFor(`
identity:
  realm: shop
  issuers:
    - name: corp
      issuer: ${ISS}
      jwks_url: ${server.url}/jwks
      audiences: [${AUD}, api://billing]
      jwks: { unknown_kid_cooldown_s: 0 }        # each unknown kid fetches (the cooldown itself: jwks.test.ts)
    - name: partner
      issuer: ${OTHER_ISS}
      jwks_url: ${server.url}/jwks
      from: [ { header: x-partner-jwt, prefix: "JWT " } ]
  forward:
    claims: { sub: x-jwt-claim-sub, "org.unit": x-jwt-claim-nested, admin: x-jwt-bool-claim, level: x-jwt-int-claim, "https://example.org/tenant": x-jwt-claim-url, groups: x-jwt-claim-list, profile: x-jwt-claim-object }
routes:
  - name: anyone
    match: { path: { prefix: /optional } }
    identity: { accept: [jwt:corp], allow_anonymous: true }
  - name: either
    match: { path: { prefix: /either } }
    identity: { accept: [jwt:corp, jwt:partner] }
  - name: strip
    match: { path: { prefix: /strip } }
    identity: { accept: [jwt:corp], strip_credential: true }
  - name: api
    match: { path: { prefix: / } }
    identity: { accept: [jwt:corp] }
`);
  });
  after(async () => { await h?.close(); await server?.close(); });

  const send = (headers: Record<string, string>, path = '/api'): Promise<CheckResult> => h.send({ path, headers });
  const status = async (headers: Record<string, string>, path = '/api'): Promise<string> => {
    const r = await send(headers, path);
    return r.allowed ? 'OK' : `${r.status} ${r.code}`;
  };

  // --- where the token is taken from (extractor_test.cc) ---

  it('reads the default Authorization: Bearer token (scheme in any case) and forwards it unchanged by default', async () => {
    const r = await send(bearer(await token(rsa)));
    assert.equal(r.allowed, true);
    assert.equal(r.upstream['x-jwt-claim-sub'], 'alice');
    // jwt_authn removes the token unless `forward: true`; Portcullis keeps it unless strip_credential
    assert.ok(!r.removed.includes('authorization'));
    const stripped = await send(bearer(await token(rsa)), '/strip');
    assert.ok(stripped.removed.includes('authorization'));
    assert.equal(await status({ authorization: `bearer ${await token(rsa)}` }), 'OK');
  });

  it('a value without the prefix ("Bearer-invalid") is no token: 401 with a bare challenge, as jwt_authn\'s JwtMissed', async () => {
    const r = await send({ authorization: 'Bearer-invalid' });
    assert.equal(`${r.status} ${r.code}`, '401 ERR_UNAUTHENTICATED');
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="shop"');
  });

  it('the default sources do not include ?access_token= (jwt_authn\'s default does): such a request is unauthenticated', async () => {
    assert.equal(await status({}, `/api?access_token=${await token(rsa)}`), '401 ERR_UNAUTHENTICATED');
  });

  it('a header source with a value prefix reads only values carrying it, and only that issuer\'s tokens', async () => {
    assert.equal(await status({ 'x-partner-jwt': `JWT ${await token(other, { iss: OTHER_ISS })}` }, '/either'), 'OK');
    assert.equal(await status({ 'x-partner-jwt': await token(other, { iss: OTHER_ISS }) }, '/either'), '401 ERR_UNAUTHENTICATED');
    // a corp token in the partner's header: corp's tokens come only from Authorization (isIssuerAllowed)
    assert.equal(await status({ 'x-partner-jwt': `JWT ${await token(rsa)}` }, '/either'), '401 ERR_JWT_ISSUER');
  });

  it('a token followed by a space and more characters is taken whole and is malformed (not truncated at the space)', async () => {
    assert.equal(await status({ authorization: `Bearer ${await token(rsa)} .jjjjjjjj` }), '401 ERR_JWT_MALFORMED');
    assert.equal(await status({ authorization: 'Bearer invalidToken' }), '401 ERR_JWT_MALFORMED');
  });

  it('tokens in two places: jwt_authn verifies each (one bad → 401); Portcullis refuses the request, 400 invalid_request', async () => {
    const good = await token(rsa);
    const r = await send({ ...bearer(good), 'x-partner-jwt': `JWT ${await token(other, { iss: OTHER_ISS })}` }, '/either');
    assert.equal(`${r.status} ${r.code}`, '400 ERR_TOKEN_AMBIGUOUS');
    assert.match(r.headers['www-authenticate']!, /error="invalid_request"/);
  });

  // --- issuer, audiences, time (authenticator_test.cc, check_audience_test.cc, jwt.cc) ---

  it('an unknown issuer fails without fetching any key set', async () => {
    const before = fetches;
    assert.equal(await status(bearer(await token(rsa, { iss: 'https://unknown.test' }))), '401 ERR_JWT_ISSUER');
    assert.equal(await status(bearer(await token(rsa, { iss: undefined }))), '401 ERR_JWT_CLAIM_MISSING');
    assert.equal(fetches, before);
  });

  it('aud as a string or an array; any configured audience matches', async () => {
    assert.equal(await status(bearer(await token(rsa, { aud: 'api://billing' }))), 'OK');
    assert.equal(await status(bearer(await token(rsa, { aud: ['api://nope', AUD] }))), 'OK');
  });

  it('audience mismatch: 401 invalid_token (jwt_authn answers 403); aud compared exactly, no scheme or trailing-slash folding', async () => {
    const r = await send(bearer(await token(rsa, { aud: 'api://nope' })));
    assert.equal(`${r.status} ${r.code}`, '401 ERR_JWT_AUDIENCE');
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="shop", error="invalid_token", error_description="token audience not accepted"');
    // jwt_verify_lib's CheckAudience treats "api://orders/" as "api://orders"; RFC 7519 compares strings
    assert.equal(await status(bearer(await token(rsa, { aud: `${AUD}/` }))), '401 ERR_JWT_AUDIENCE');
    assert.equal(await status(bearer(await token(rsa, { aud: undefined }))), '401 ERR_JWT_CLAIM_MISSING');
  });

  it('exp and nbf with the default 60 s clock skew', async () => {
    assert.equal(await status(bearer(await token(rsa, { exp: nowS() - 30 }))), 'OK');
    const expired = await send(bearer(await token(rsa, { exp: nowS() - 120 })));
    assert.equal(`${expired.status} ${expired.code}`, '401 ERR_JWT_EXPIRED');
    assert.equal(expired.headers['www-authenticate'], 'Bearer realm="shop", error="invalid_token", error_description="token expired"');
    assert.equal(await status(bearer(await token(rsa, { nbf: nowS() + 30 }))), 'OK');
    assert.equal(await status(bearer(await token(rsa, { nbf: nowS() + 120 }))), '401 ERR_JWT_NOT_YET_VALID');
  });

  it('a token without exp is refused (jwt_authn accepts it unless require_expiration); claims of the wrong type are refused', async () => {
    assert.equal(await status(bearer(await token(rsa, { exp: undefined }))), '401 ERR_JWT_CLAIM_MISSING');
    assert.equal(await status(bearer(await token(rsa, { exp: String(nowS() + 600) as unknown as number }))), '401 ERR_JWT_CLAIM_INVALID');
    assert.equal(await status(bearer(await token(rsa, { iss: 7 as unknown as string }))), '401 ERR_JWT_CLAIM_MISSING');
    assert.equal(await status(bearer(await token(rsa, { jti: 7 as unknown as string }))), '401 ERR_JWT_CLAIM_INVALID');
  });

  // --- keys (verify_jwk_*_test.cc, jwks.cc, verify.cc) ---

  it('verifies RS256, PS256, ES256/384/512 and EdDSA against one JWKS with unusable keys mixed in', async () => {
    for (const s of [rsa, ps, es256, es384, es512, ed]) assert.equal(await status(bearer(await token(s))), 'OK', s.alg);
  });

  it('alg none and HS256 (signed with a public key of the set) are refused', async () => {
    const [hd, pl] = (await token(rsa)).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'rsa' })).toString('base64url')}.${pl}.`;
    assert.equal(await status({ authorization: `Bearer ${none}` }), '401 ERR_JWT_ALG');
    assert.ok(hd);
    const hmac = await new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', exp: nowS() + 600 }).setProtectedHeader({ alg: 'HS256', kid: 'hmac' })
      .sign(Buffer.from('a-shared-secret-never-taken-from-a-jwks'));
    assert.equal(await status(bearer(hmac)), '401 ERR_JWT_ALG');
  });

  it('a key\'s alg must be the token\'s: an ES256 key never verifies ES384, an RSA key with alg PS256 never RS256', async () => {
    assert.equal(await status(bearer(await token(es384, {}, { kid: 'es256' }))), '401 ERR_JWT_KID_UNKNOWN');
    const psKey = KeyObject.from(ps.privateKey as unknown as globalThis.CryptoKey);
    const rsWithPsKey = await new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', exp: nowS() + 600 }).setProtectedHeader({ alg: 'RS256', kid: 'ps' }).sign(psKey);
    // the PS256-only key is skipped; the set's keys without kid are tried (as jwt_verify_lib does) and fail
    assert.equal(await status(bearer(rsWithPsKey)), '401 ERR_JWT_SIGNATURE');
  });

  it('a token without kid is checked against each key of its type; only a real signature passes', async () => {
    assert.equal(await status(bearer(await token(noKidB))), 'OK');
    assert.equal(await status(bearer(await token(noKidA))), 'OK');
    assert.equal(await status(bearer(await token(stranger, {}, { kid: undefined }))), '401 ERR_JWT_SIGNATURE');
    // a known kid with another key's signature
    assert.equal(await status(bearer(await token(stranger))), '401 ERR_JWT_SIGNATURE');
  });

  it('an unknown kid fetches the key set again (rotation; jwt_authn waits for the cache to expire), also with keys without kid in the set', async () => {
    const before = fetches;
    jwks = [...jwks, rotated.jwk];
    assert.equal(await status(bearer(await token(rotated))), 'OK');
    assert.equal(fetches, before + 1);
    const ghost = await signer('RS256', 'ghost');
    assert.equal(await status(bearer(await token(ghost))), '401 ERR_JWT_SIGNATURE');
    assert.equal(fetches, before + 2);
    // a kid the set names: no fetch, whatever the signature
    assert.equal(await status(bearer(await token(stranger))), '401 ERR_JWT_SIGNATURE');
    assert.equal(fetches, before + 2);
  });

  // --- what reaches the upstream (claim_to_headers; forward_payload_header's stripping) ---

  it('claim headers: nested path, bool, integer, a URL-named claim; arrays and objects in Portcullis\'s own format', async () => {
    const r = await send(bearer(await token(rsa, {
      org: { unit: 'value1' }, admin: true, level: 9999, 'https://example.org/tenant': 'xyz',
      groups: ['str1', 'str2'], profile: { a: 'b' },
    })));
    assert.equal(r.upstream['x-jwt-claim-nested'], 'value1');
    assert.equal(r.upstream['x-jwt-bool-claim'], 'true');
    assert.equal(r.upstream['x-jwt-int-claim'], '9999');
    assert.equal(r.upstream['x-jwt-claim-url'], 'xyz');
    // jwt_authn sends base64 of the JSON for both; Portcullis: a comma list, and the JSON text
    assert.equal(r.upstream['x-jwt-claim-list'], 'str1,str2');
    assert.equal(r.upstream['x-jwt-claim-object'], '{"a":"b"}');
  });

  it('a claim header the token does not fill is not forwarded from the client either', async () => {
    const r = await send({ ...bearer(await token(rsa)), 'x-jwt-claim-nested': 'forged' });
    assert.equal(r.allowed, true);
    assert.equal(r.upstream['x-jwt-claim-nested'], undefined);
    assert.ok(r.removed.includes('x-jwt-claim-nested'));
  });

  // --- requirements (requires_any, allow_missing, allow_missing_or_failed) ---

  it('requires_any: the first issuer whose token verifies wins', async () => {
    assert.equal(await status(bearer(await token(rsa)), '/either'), 'OK');
    assert.equal(await status({ 'x-partner-jwt': `JWT ${await token(other, { iss: OTHER_ISS })}` }, '/either'), 'OK');
    assert.equal(await status({}, '/either'), '401 ERR_UNAUTHENTICATED');
  });

  it('allow_anonymous is allow_missing: no token passes as anonymous, a bad token is still 401 (no allow_missing_or_failed)', async () => {
    const anon = await send({}, '/optional');
    assert.equal(anon.allowed, true);
    assert.equal(anon.metadata?.identity?.kind, 'anonymous');
    assert.equal(await status(bearer(await token(rsa, { exp: nowS() - 3600 })), '/optional'), '401 ERR_JWT_EXPIRED');
    assert.equal(await status({ authorization: 'Bearer invalidToken' }, '/optional'), '401 ERR_JWT_MALFORMED');
  });
});
