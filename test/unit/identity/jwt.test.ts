import assert from 'node:assert/strict';
import { createHmac, createSign, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { JwtVerifier } from '../../../src/identity/jwt.js';
import { AuthFailure } from '../../../src/identity/failure.js';
import { TokenCache } from '../../../src/identity/token-cache.js';
import type { Verified } from '../../../src/identity/verifier.js';
import { ConfigError } from '../../../src/config/errors.js';
import { ctxOf, fakeClock } from './helpers.js';
import { AUD, b64, ISS, issuer, keyPair, sign, type KeyPair } from './jwt-fixtures.js';

const clock = fakeClock();
const nowS = () => Math.floor(clock.now() / 1000);
let rsa: KeyPair;
let ec: KeyPair;
let attacker: KeyPair;

function verifier(cfg: Record<string, unknown> = {}, cache = new TokenCache(1000, 3_600_000, clock.now)): JwtVerifier {
  return new JwtVerifier([issuer({ keys: [{ jwk: rsa.jwk as any }, { jwk: ec.jwk as any }], ...cfg }, clock.now)],
    { maxTokenBytes: 8192, cache, clock: clock.now, skipOpaque: false });
}

async function run(v: JwtVerifier, token: string): Promise<Verified | AuthFailure> {
  const ctx = ctxOf({ headers: { authorization: `Bearer ${token}` } });
  const found = v.extract(ctx);
  assert.ok(found && !(found instanceof AuthFailure), 'token should be found');
  return v.verify(ctx, found as any);
}

async function code(v: JwtVerifier, token: string): Promise<string> {
  const r = await run(v, token);
  return r instanceof AuthFailure ? r.code : 'OK';
}

/** header.payload.signature with a raw signature over the first two parts. */
function forge(header: unknown, payload: unknown, signer: (input: string) => Buffer | string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = signer(input);
  return `${input}.${typeof sig === 'string' ? sig : sig.toString('base64url')}`;
}

const claims = () => ({ iss: ISS, aud: AUD, sub: 'alice', iat: nowS(), exp: nowS() + 600 });

describe('JWT verification', () => {
  before(async () => {
    rsa = await keyPair('RS256', 'rsa-1');
    ec = await keyPair('ES256', 'ec-1');
    attacker = await keyPair('RS256', 'rsa-1');
  });

  it('accepts a valid RS256 token and exposes subject, issuer, roles, claims', async () => {
    const r = await run(verifier(), await sign(rsa, nowS()));
    assert.ok(!(r instanceof AuthFailure));
    assert.equal(r.identity.kind, 'jwt');
    assert.equal(r.identity.subject, 'alice');
    assert.equal(r.identity.issuer, ISS);
    assert.deepEqual(r.identity.roles, ['reader']);
    assert.equal(r.identity.claims.aud, AUD);
  });

  it('accepts a valid ES256 token', async () => {
    assert.equal(await code(verifier(), await sign(ec, nowS())), 'OK');
  });

  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    it(`rejects alg "${alg}" (with and without a signature part)`, async () => {
      const v = verifier({ algorithms: ['RS256', 'ES256'] });
      assert.equal(await code(v, `${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`), 'ERR_JWT_ALG');
      assert.equal(await code(v, `${b64({ alg })}.${b64(claims())}.${b64('x')}`), 'ERR_JWT_ALG');
    });
  }

  it('rejects HS256 signed with the issuer\'s RSA public key (PEM and JWK text) as the HMAC secret', async () => {
    const v = verifier({ algorithms: ['RS256', 'ES256'] });
    for (const secret of [rsa.pem, JSON.stringify(rsa.jwk)]) {
      const t = forge({ alg: 'HS256', kid: 'rsa-1' }, claims(), (i) => createHmac('sha256', secret).update(i).digest());
      assert.equal(await code(v, t), 'ERR_JWT_ALG');
    }
  });

  it('rejects HS256 signed with the issuer\'s EC public key as the secret', async () => {
    const t = forge({ alg: 'HS256', kid: 'ec-1' }, claims(), (i) => createHmac('sha256', ec.pem).update(i).digest());
    assert.equal(await code(verifier(), t), 'ERR_JWT_ALG');
  });

  it('refuses a config that allows HS256 for an issuer with only public keys', () => {
    assert.throws(() => verifier({ algorithms: ['RS256', 'HS256'] }), (e: unknown) => e instanceof ConfigError && /HS256 needs a shared secret/.test(e.message));
  });

  it('rejects a token whose kid is unknown', async () => {
    const other = await keyPair('RS256', 'rsa-unknown');
    assert.equal(await code(verifier(), await sign(other, nowS())), 'ERR_JWT_KID_UNKNOWN');
  });

  for (const h of ['jku', 'x5u', 'jwk', 'x5c']) {
    it(`rejects a token carrying a "${h}" header (keys never come from the token)`, async () => {
      const value = h === 'jwk' ? attacker.jwk : h === 'x5c' ? ['MIIB'] : 'https://attacker.test/keys';
      const t = await sign(attacker, nowS(), {}, { [h]: value });
      assert.equal(await code(verifier(), t), 'ERR_JWT_HEADER');
    });
  }

  it('with reject_embedded_keys off, an embedded jwk is ignored: the attacker-signed token fails its signature', async () => {
    const t = await sign(attacker, nowS(), {}, { jwk: attacker.jwk });
    assert.equal(await code(verifier({ reject_embedded_keys: false }), t), 'ERR_JWT_SIGNATURE');
  });

  it('rejects an expired token, accepts one expired within the clock skew', async () => {
    const v = verifier({ clock_skew_s: 30 });
    assert.equal(await code(v, await sign(rsa, nowS(), { iat: nowS() - 700, exp: nowS() - 31 })), 'ERR_JWT_EXPIRED');
    assert.equal(await code(v, await sign(rsa, nowS(), { iat: nowS() - 700, exp: nowS() - 29 })), 'OK');
  });

  it('rejects a token that is not yet valid (nbf in the future beyond the skew)', async () => {
    assert.equal(await code(verifier({ clock_skew_s: 30 }), await sign(rsa, nowS(), { nbf: nowS() + 120 })), 'ERR_JWT_NOT_YET_VALID');
  });

  it('rejects a token issued far in the future (iat)', async () => {
    assert.equal(await code(verifier({ clock_skew_s: 30 }), await sign(rsa, nowS(), { iat: nowS() + 3600, exp: nowS() + 7200 })), 'ERR_JWT_IAT_FUTURE');
  });

  it('rejects a token older than max_token_age_s', async () => {
    assert.equal(await code(verifier({ max_token_age_s: 60, clock_skew_s: 0 }), await sign(rsa, nowS(), { iat: nowS() - 300 })), 'ERR_JWT_TOO_OLD');
  });

  it('rejects a wrong issuer', async () => {
    assert.equal(await code(verifier(), await sign(rsa, nowS(), { iss: 'https://evil.test' })), 'ERR_JWT_ISSUER');
  });

  it('rejects a wrong audience and a missing one', async () => {
    assert.equal(await code(verifier(), await sign(rsa, nowS(), { aud: 'api://other' })), 'ERR_JWT_AUDIENCE');
    assert.equal(await code(verifier(), await sign(rsa, nowS(), { aud: undefined })), 'ERR_JWT_CLAIM_MISSING');
  });

  it('rejects tokens missing required claims (configured, exp, sub)', async () => {
    assert.equal(await code(verifier({ required_claims: ['tenant'] }), await sign(rsa, nowS())), 'ERR_JWT_CLAIM_MISSING');
    assert.equal(await code(verifier({ required_claims: ['tenant'] }), await sign(rsa, nowS(), { tenant: 't1' })), 'OK');
    assert.equal(await code(verifier(), await sign(rsa, nowS(), { exp: undefined })), 'ERR_JWT_CLAIM_MISSING');
    assert.equal(await code(verifier(), await sign(rsa, nowS(), { sub: undefined })), 'ERR_JWT_CLAIM_MISSING');
  });

  it('reads a nested subject_claim path (as roles_claim): present → the subject, absent → claim missing', async () => {
    const v = verifier({ subject_claim: 'user.id' });
    const r = await run(v, await sign(rsa, nowS(), { user: { id: 'u-7' } }));
    assert.ok(!(r instanceof AuthFailure), r instanceof AuthFailure ? r.code : '');
    assert.equal(r.identity.subject, 'u-7');
    assert.equal(await code(v, await sign(rsa, nowS(), { user: { name: 'x' } })), 'ERR_JWT_CLAIM_MISSING');
    assert.equal(await code(v, await sign(rsa, nowS(), { user: { id: 7 } })), 'ERR_JWT_CLAIM_INVALID');
    // a top-level claim whose name has a dot still works
    assert.equal(await code(verifier({ subject_claim: 'https://x.test/uid' }), await sign(rsa, nowS(), { 'https://x.test/uid': 'u-8' })), 'OK');
  });

  it('selects keys by kid as Envoy jwt_authn does: a key without kid serves any token; a token without kid tries every key', async () => {
    // a PEM key carries no kid, while IdPs put one in every token
    assert.equal(await code(verifier({ keys: [{ pem: rsa.pem }] }), await sign(rsa, nowS())), 'OK');
    // two keys of one type (a rotation) and a token without kid: the one that verifies is used
    const second = await keyPair('RS256', 'rsa-2');
    const two = verifier({ keys: [{ pem: rsa.pem }, { pem: second.pem }] });
    assert.equal(await code(two, await sign(second, nowS(), {}, { kid: undefined })), 'OK');
    assert.equal(await code(two, await sign(rsa, nowS(), {}, { kid: undefined })), 'OK');
    // …and only one that verifies
    assert.equal(await code(two, await sign(attacker, nowS(), {}, { kid: undefined })), 'ERR_JWT_SIGNATURE');
    // a claim problem is still reported as such once a key verified the signature
    assert.equal(await code(two, await sign(second, nowS(), { exp: nowS() - 3600 }, { kid: undefined })), 'ERR_JWT_EXPIRED');
    // a key that has a kid still serves only tokens naming it
    const named = verifier({ keys: [{ pem: rsa.pem, kid: 'k-a' }] });
    assert.equal(await code(named, await sign(rsa, nowS(), {}, { kid: 'k-b' })), 'ERR_JWT_KID_UNKNOWN');
  });

  it('rejects an unknown crit header', async () => {
    const t = forge({ alg: 'RS256', kid: 'rsa-1', crit: ['exp-ext'], 'exp-ext': 1 }, claims(), (i) => createSign('RSA-SHA256').update(i).sign(rsa.privateKeyObject));
    assert.equal(await code(verifier(), t), 'ERR_JWT_CRIT');
  });

  it('rejects malformed base64 and malformed JSON', async () => {
    const v = verifier();
    const good = await sign(rsa, nowS());
    const [h, p, s] = good.split('.');
    assert.equal(await code(v, `${h}*.${p}.${s}`), 'ERR_JWT_MALFORMED');
    assert.equal(await code(v, `${h}.${p}!.${s}`), 'ERR_JWT_MALFORMED');
    assert.equal(await code(v, `${h}.${p}.${s}=`), 'ERR_JWT_MALFORMED');
    assert.equal(await code(v, `${b64('{"alg":"RS256"')}.${p}.${s}`), 'ERR_JWT_MALFORMED');
    assert.equal(await code(v, `${h}.${b64('{not json')}.${s}`), 'ERR_JWT_MALFORMED');
    assert.equal(await code(v, `${b64('[1,2]')}.${p}.${s}`), 'ERR_JWT_MALFORMED');
    assert.equal(await code(v, `${h}.${p}`), 'ERR_JWT_MALFORMED');
    assert.equal(await code(v, `${h}.${p}.${s}.x.y`), 'ERR_JWT_MALFORMED');
    assert.equal(await code(v, 'not-a-jwt'), 'ERR_JWT_MALFORMED');
  });

  it('rejects a token over the size cap before parsing it', async () => {
    const t = await sign(rsa, nowS(), { pad: 'x'.repeat(9000) });
    assert.equal(await code(verifier(), t), 'ERR_JWT_TOO_LARGE');
  });

  it('rejects an ES256 signature of all zero bytes', async () => {
    const t = forge({ alg: 'ES256', kid: 'ec-1' }, claims(), () => Buffer.alloc(64));
    assert.equal(await code(verifier(), t), 'ERR_JWT_SIGNATURE');
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [h, , s] = (await sign(rsa, nowS())).split('.');
    assert.equal(await code(verifier(), `${h}.${b64({ ...claims(), sub: 'admin' })}.${s}`), 'ERR_JWT_SIGNATURE');
  });

  it('checks typ when configured (case-insensitive, application/ prefix optional)', async () => {
    const v = verifier({ typ: 'at+jwt' });
    assert.equal(await code(v, await sign(rsa, nowS(), {}, { typ: 'JWT' })), 'ERR_JWT_TYP');
    assert.equal(await code(v, await sign(rsa, nowS(), {}, { typ: 'application/at+jwt' })), 'OK');
  });

  it('a token in two places at once is rejected (400 invalid_request)', async () => {
    const v = verifier({ from: [{ header: 'authorization', prefix: 'Bearer ' }, { query: 'access_token' }] });
    const t = await sign(rsa, nowS());
    const f = v.extract(ctxOf({ path: `/x?access_token=${t}`, headers: { authorization: `Bearer ${t}` } }));
    assert.ok(f instanceof AuthFailure);
    assert.equal(f.code, 'ERR_TOKEN_AMBIGUOUS');
    assert.equal(f.status, 400);
  });

  it('caches a verified token, and never serves it past exp', async () => {
    let keyLookups = 0;
    const iss = issuer({ keys: [{ jwk: rsa.jwk as any }] }, clock.now);
    const getKey = iss.getKey;
    iss.getKey = (h, t) => { keyLookups++; return getKey(h, t); };
    const cache = new TokenCache(1000, 3_600_000, clock.now);
    const v = new JwtVerifier([iss], { maxTokenBytes: 8192, cache, clock: clock.now, skipOpaque: false });
    const t = await sign(rsa, nowS(), { exp: nowS() + 120 });
    assert.equal(await code(v, t), 'OK');
    assert.equal(await code(v, t), 'OK');
    assert.equal(keyLookups, 1, 'second verification came from the cache');
    assert.equal(cache.size, 1);
    clock.advance(121_000); // past exp, within the 60 s skew: the cache no longer answers, jose does
    assert.equal(await code(v, t), 'OK');
    assert.equal(keyLookups, 2, 'the cache entry did not outlive exp');
    clock.advance(60_000); // past exp + skew
    assert.equal(await code(v, t), 'ERR_JWT_EXPIRED');
    clock.advance(-181_000);
  });

  it('a cached token is not served once it is older than max_token_age_s (the cache entry ends at iat + max age)', async () => {
    const cache = new TokenCache(1000, 3_600_000, clock.now);
    const v = verifier({ max_token_age_s: 60, clock_skew_s: 0 }, cache);
    const t = await sign(rsa, nowS(), { iat: nowS(), exp: nowS() + 3600 });
    assert.equal(await code(v, t), 'OK');
    clock.advance(120_000); // the token is now 120 s old: too old, whatever the cache remembers
    try {
      assert.equal(await code(v, t), 'ERR_JWT_TOO_OLD');
    } finally {
      clock.advance(-120_000);
    }
  });

  it('a cached token verified for one issuer is not accepted by a route that trusts another issuer', async () => {
    const cache = new TokenCache(1000, 3_600_000, clock.now);
    const a = new JwtVerifier([issuer({ keys: [{ jwk: rsa.jwk as any }] }, clock.now)], { maxTokenBytes: 8192, cache, clock: clock.now, skipOpaque: false });
    const b = new JwtVerifier([{ ...issuer({ keys: [{ jwk: ec.jwk as any }] }, clock.now), name: 'other', iss: 'https://other.test' }], { maxTokenBytes: 8192, cache, clock: clock.now, skipOpaque: false });
    const t = await sign(rsa, nowS());
    assert.equal(await code(a, t), 'OK');
    assert.equal(await code(b, t), 'ERR_JWT_ISSUER');
  });

  it('an HS256 secret configured without kid serves tokens that name a kid (the kid rule of public keys)', async () => {
    const secret = 's'.repeat(40);
    const v = new JwtVerifier([issuer({ keys: [{ secret }], algorithms: ['HS256'] }, clock.now)], { maxTokenBytes: 8192, cache: new TokenCache(0, 1, clock.now), clock: clock.now, skipOpaque: false });
    const mac = (k: string) => (i: string) => createHmac('sha256', k).update(i).digest();
    assert.equal(await code(v, forge({ alg: 'HS256', kid: 'any' }, claims(), mac(secret))), 'OK');
    assert.equal(await code(v, forge({ alg: 'HS256' }, claims(), mac(secret))), 'OK');
    assert.equal(await code(v, forge({ alg: 'HS256', kid: 'any' }, claims(), mac('x'.repeat(40)))), 'ERR_JWT_SIGNATURE');
    // secrets with kids: a token's kid must name one of them
    const kids = new JwtVerifier([issuer({ keys: [{ secret, kid: 'h1' }], algorithms: ['HS256'] }, clock.now)], { maxTokenBytes: 8192, cache: new TokenCache(0, 1, clock.now), clock: clock.now, skipOpaque: false });
    assert.equal(await code(kids, forge({ alg: 'HS256', kid: 'h2' }, claims(), mac(secret))), 'ERR_JWT_KID_UNKNOWN');
  });

  it('an oct JWK (Envoy jwt_authn\'s local_jwks form of an HS* key, any bytes) is a shared secret, in keys[].jwk and jwks_file', async () => {
    const raw = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x80]), randomBytes(32)]); // not UTF-8 text: secret: cannot hold it
    const oct = { kty: 'oct', k: raw.toString('base64url'), kid: 'h1' };
    const mac = (k: Buffer) => (i: string) => createHmac('sha256', k).update(i).digest();
    const opts = { maxTokenBytes: 8192, cache: new TokenCache(0, 1, clock.now), clock: clock.now, skipOpaque: false };
    const dir = mkdtempSync(join(tmpdir(), 'oct-'));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [rsa.jwk, oct] }));
    for (const cfg of [{ keys: [{ jwk: oct }, { jwk: rsa.jwk }] }, { jwks_file: join(dir, 'jwks.json') }]) {
      const v = new JwtVerifier([issuer({ ...cfg, algorithms: ['HS256', 'RS256'] } as any, clock.now)], opts);
      assert.equal(await code(v, forge({ alg: 'HS256', kid: 'h1' }, claims(), mac(raw))), 'OK', JSON.stringify(Object.keys(cfg)));
      assert.equal(await code(v, forge({ alg: 'HS256', kid: 'h1' }, claims(), mac(randomBytes(36)))), 'ERR_JWT_SIGNATURE');
      assert.equal(await code(v, forge({ alg: 'HS256', kid: 'h2' }, claims(), mac(raw))), 'ERR_JWT_KID_UNKNOWN');
    }
    // the jwks_file's RSA key still serves RS256
    assert.equal(await code(new JwtVerifier([issuer({ jwks_file: join(dir, 'jwks.json'), algorithms: ['HS256', 'RS256'] }, clock.now)], opts), await sign(rsa, nowS())), 'OK');
    // RFC 7518 §3.2: at least 256 bits
    assert.throws(() => issuer({ keys: [{ jwk: { kty: 'oct', k: randomBytes(16).toString('base64url') } }], algorithms: ['HS256'] }, clock.now),
      (e: unknown) => e instanceof ConfigError && /at least 32 bytes/.test(e.message));
    assert.throws(() => issuer({ keys: [{ jwk: { kty: 'oct', k: 'not base64url!' } }], algorithms: ['HS256'] }, clock.now), ConfigError);
  });

  it('an oct JWK with "alg" serves only that algorithm (jwt_verify_lib and jose skip a key whose alg is not the token\'s)', async () => {
    const raw = randomBytes(48);
    const opts = { maxTokenBytes: 8192, cache: new TokenCache(0, 1, clock.now), clock: clock.now, skipOpaque: false };
    const v = new JwtVerifier([issuer({ keys: [{ jwk: { kty: 'oct', k: raw.toString('base64url'), kid: 'h1', alg: 'HS256' } }], algorithms: ['HS256', 'HS512'] } as any, clock.now)], opts);
    assert.equal(await code(v, forge({ alg: 'HS256', kid: 'h1' }, claims(), (i) => createHmac('sha256', raw).update(i).digest())), 'OK');
    assert.equal(await code(v, forge({ alg: 'HS512', kid: 'h1' }, claims(), (i) => createHmac('sha512', raw).update(i).digest())), 'ERR_JWT_KID_UNKNOWN');
    assert.equal(await code(v, forge({ alg: 'HS512' }, claims(), (i) => createHmac('sha512', raw).update(i).digest())), 'ERR_JWT_KID_UNKNOWN');
  });

  it('an HS256 token without kid is checked against each secret (two oct keys in a jwks_file during a rotation), as a token without kid is against each public key', async () => {
    const oldKey = randomBytes(32); const newKey = randomBytes(32);
    const dir = mkdtempSync(join(tmpdir(), 'oct2-'));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ kty: 'oct', k: oldKey.toString('base64url'), kid: 'old' }, { kty: 'oct', k: newKey.toString('base64url'), kid: 'new' }] }));
    const opts = { maxTokenBytes: 8192, cache: new TokenCache(0, 1, clock.now), clock: clock.now, skipOpaque: false };
    const v = new JwtVerifier([issuer({ jwks_file: join(dir, 'jwks.json'), algorithms: ['HS256'] } as any, clock.now)], opts);
    const mac = (k: Buffer) => (i: string) => createHmac('sha256', k).update(i).digest();
    assert.equal(await code(v, forge({ alg: 'HS256' }, claims(), mac(oldKey))), 'OK');
    assert.equal(await code(v, forge({ alg: 'HS256' }, claims(), mac(newKey))), 'OK');
    assert.equal(await code(v, forge({ alg: 'HS256' }, claims(), mac(randomBytes(32)))), 'ERR_JWT_SIGNATURE');
    // a kid still selects its own secret only
    assert.equal(await code(v, forge({ alg: 'HS256', kid: 'old' }, claims(), mac(newKey))), 'ERR_JWT_SIGNATURE');
  });

  it('two issuers reading one header with prefixes that give the same token ("Bearer " and "Bearer"): each issuer\'s token verifies (jwt_authn: each provider extracts on its own)', async () => {
    const opts = { maxTokenBytes: 8192, cache: new TokenCache(0, 1, clock.now), clock: clock.now, skipOpaque: false };
    const a = issuer({ keys: [{ jwk: rsa.jwk as any }] }, clock.now); // default from: Authorization "Bearer "
    const b = issuer({ name: 'partner', issuer: 'https://partner.test', keys: [{ jwk: ec.jwk as any }], from: [{ header: 'authorization', prefix: 'Bearer' }] }, clock.now);
    const v = new JwtVerifier([a, b], opts);
    assert.equal(await code(v, await sign(rsa, nowS())), 'OK');
    assert.equal(await code(v, await sign(ec, nowS(), { iss: 'https://partner.test' })), 'OK');
    // a source an issuer does not read still never serves it
    const c = issuer({ name: 'other', issuer: 'https://other.test', keys: [{ jwk: ec.jwk as any }], from: [{ header: 'x-other' }] }, clock.now);
    assert.equal(await code(new JwtVerifier([a, c], opts), await sign(ec, nowS(), { iss: 'https://other.test' })), 'ERR_JWT_ISSUER');
  });

  it('HS256 with a configured shared secret works, and only with that secret', async () => {
    const secret = 's'.repeat(40);
    const v = new JwtVerifier([issuer({ keys: [{ secret, kid: 'h1' }], algorithms: ['HS256'] }, clock.now)], { maxTokenBytes: 8192, cache: new TokenCache(0, 1, clock.now), clock: clock.now, skipOpaque: false });
    const good = forge({ alg: 'HS256', kid: 'h1' }, claims(), (i) => createHmac('sha256', secret).update(i).digest());
    const bad = forge({ alg: 'HS256', kid: 'h1' }, claims(), (i) => createHmac('sha256', 'x'.repeat(40)).update(i).digest());
    assert.equal(await code(v, good), 'OK');
    assert.equal(await code(v, bad), 'ERR_JWT_SIGNATURE');
  });
  it('a token is read only from its own issuer\'s sources: one issuer\'s query source does not admit another issuer\'s token', async () => {
    // corp: Authorization header only (the default); partner: also ?access_token=. A route accepting both
    // reads both places, but a corp token in the query string must not pass (corp never allowed that)
    const corp = issuer({ name: 'corp', keys: [{ jwk: rsa.jwk as any }] }, clock.now);
    const partner = issuer({ name: 'partner', issuer: 'https://partner.test', keys: [{ jwk: ec.jwk as any }], from: [{ query: 'access_token' }] }, clock.now);
    const v = new JwtVerifier([corp, partner], { maxTokenBytes: 8192, cache: new TokenCache(1000, 3_600_000, clock.now), clock: clock.now, skipOpaque: false });
    const corpToken = await sign(rsa, nowS());
    const partnerToken = await sign(ec, nowS(), { iss: 'https://partner.test' });
    const via = async (path: string, headers: Record<string, string> = {}) => {
      const ctx = ctxOf({ path, headers });
      const f = v.extract(ctx);
      assert.ok(f && !(f instanceof AuthFailure));
      const r = await v.verify(ctx, f as any);
      return r instanceof AuthFailure ? r.code : 'OK';
    };
    assert.equal(await via('/x', { authorization: `Bearer ${corpToken}` }), 'OK');
    assert.equal(await via(`/x?access_token=${partnerToken}`), 'OK');
    assert.equal(await via(`/x?access_token=${corpToken}`), 'ERR_JWT_ISSUER');
    // a cached corp token (verified from its header just above) is not admitted from the query either
    assert.equal(await via(`/x?access_token=${corpToken}`), 'ERR_JWT_ISSUER');
  });
});

