import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthFailure } from '../../../src/identity/failure.js';
import { JwtVerifier } from '../../../src/identity/jwt.js';
import { SharedRegistry } from '../../../src/identity/shared.js';
import { TokenCache } from '../../../src/identity/token-cache.js';
import { ctxOf, fakeClock, fixtureServer, json } from './helpers.js';
import { ISS, issuer, keyPair, sign, type KeyPair } from './jwt-fixtures.js';

const clock = fakeClock();
const nowS = () => Math.floor(clock.now() / 1000);

interface Idp {
  url: string;
  keys: KeyPair[];
  fetches: number;
  mode: 'ok' | 'down' | 'hang' | 'garbage';
  cacheControl?: string;
  etag?: string;
  discoveryIssuer?: string;
  /** While set, JWKS responses wait for it (a slow IdP). */
  hold?: Promise<void>;
  close(): Promise<void>;
}

async function idp(keys: KeyPair[]): Promise<Idp> {
  const state: Idp = { url: '', keys, fetches: 0, mode: 'ok', close: async () => undefined };
  const srv = await fixtureServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      json(res, 200, { issuer: state.discoveryIssuer ?? ISS, jwks_uri: `${state.url}/jwks` });
      return;
    }
    state.fetches++;
    if (state.mode === 'down') { res.writeHead(503).end(); return; }
    if (state.mode === 'hang') return; // never answers
    if (state.hold) { const keys = state.keys; void state.hold.then(() => json(res, 200, { keys: keys.map((k) => k.jwk) })); return; }
    if (state.mode === 'garbage') { res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": oops'); return; }
    if (state.etag && req.headers['if-none-match'] === state.etag) { res.writeHead(304, { etag: state.etag }).end(); return; }
    const h: Record<string, string> = {};
    if (state.cacheControl) h['cache-control'] = state.cacheControl;
    if (state.etag) h.etag = state.etag;
    json(res, 200, { keys: state.keys.map((k) => k.jwk) }, h);
  });
  state.url = srv.url;
  state.close = srv.close;
  return state;
}

function verifierFor(cfg: Record<string, unknown>, registry = new SharedRegistry()) {
  const iss = issuer(cfg, clock.now, registry);
  const v = new JwtVerifier([iss], { maxTokenBytes: 8192, cache: new TokenCache(0, 1, clock.now), clock: clock.now, skipOpaque: false });
  return { iss, v };
}

async function code(v: JwtVerifier, token: string): Promise<string> {
  const ctx = ctxOf({ headers: { authorization: `Bearer ${token}` } });
  const r = await v.verify(ctx, v.extract(ctx) as any);
  return r instanceof AuthFailure ? `${r.code}/${r.status}` : 'OK';
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

describe('remote JWKS', () => {
  let k1: KeyPair;
  let k2: KeyPair;
  const servers: Idp[] = [];
  const stops: Array<() => void> = [];
  before(async () => { k1 = await keyPair('RS256', 'k1'); k2 = await keyPair('ES256', 'k2'); });
  after(async () => { for (const s of stops) s(); for (const s of servers) await s.close(); });

  it('fetches the key set once and verifies with it', async () => {
    const s = await idp([k1]); servers.push(s);
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks` });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
    assert.equal(await code(v, await sign(k1, nowS(), { sub: 'bob' })), 'OK');
    assert.equal(s.fetches, 1);
  });

  it('refetches on an unknown kid (key rotation), at most once per cooldown', async () => {
    const s = await idp([k1]); servers.push(s);
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks`, jwks: { unknown_kid_cooldown_s: 30 } });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
    assert.equal(s.fetches, 1);
    clock.advance(31_000);
    s.keys = [k1, k2]; // the issuer rotates in a new key
    assert.equal(await code(v, await sign(k2, nowS())), 'OK');
    assert.equal(s.fetches, 2);
    const stranger = await keyPair('RS256', 'nobody');
    assert.equal(await code(v, await sign(stranger, nowS())), 'ERR_JWT_KID_UNKNOWN/401');
    assert.equal(await code(v, await sign(stranger, nowS())), 'ERR_JWT_KID_UNKNOWN/401');
    assert.equal(s.fetches, 2, 'unknown kids within the cooldown cause no fetch');
    clock.advance(31_000);
    assert.equal(await code(v, await sign(stranger, nowS())), 'ERR_JWT_KID_UNKNOWN/401');
    assert.equal(s.fetches, 3, 'after the cooldown one more fetch');
  });

  it('refetches on an unknown kid also when the set has a key without kid (which serves any kid but did not verify)', async () => {
    const kidless = await keyPair('RS256', 'x');
    delete (kidless.jwk as { kid?: string }).kid;
    const k3 = await keyPair('RS256', 'k3');
    const s = await idp([k1, kidless]); servers.push(s);
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks`, jwks: { unknown_kid_cooldown_s: 30 } });
    stops.push(() => iss.remote!.stop());
    // the key without kid still serves tokens naming a kid the set does not have (jwt_verify_lib's rule)
    assert.equal(await code(v, await sign(kidless, nowS(), {}, { kid: 'any' })), 'OK');
    assert.equal(s.fetches, 1);
    clock.advance(31_000);
    s.keys = [k1, kidless, k3]; // the issuer rotates in a new key
    assert.equal(await code(v, await sign(k3, nowS())), 'OK');
    assert.equal(s.fetches, 2);
    const stranger = await keyPair('RS256', 'nobody');
    assert.equal(await code(v, await sign(stranger, nowS())), 'ERR_JWT_SIGNATURE/401');
    assert.equal(s.fetches, 2, 'unknown kids within the cooldown cause no fetch');
    // a kid the set names never causes a fetch, whatever the signature
    clock.advance(31_000);
    assert.equal(await code(v, await sign(stranger, nowS(), {}, { kid: 'k3' })), 'ERR_JWT_SIGNATURE/401');
    assert.equal(s.fetches, 2);
  });

  it('refetches on an unknown kid when no key of the set has a kid (the issuer rotates in its first key with one)', async () => {
    const kidless = await keyPair('RS256', 'x');
    delete (kidless.jwk as { kid?: string }).kid;
    const k3 = await keyPair('RS256', 'k3');
    const s = await idp([kidless]); servers.push(s);
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks`, jwks: { unknown_kid_cooldown_s: 30 } });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(kidless, nowS(), {}, { kid: 'any' })), 'OK');
    assert.equal(s.fetches, 1);
    clock.advance(31_000);
    s.keys = [kidless, k3];
    assert.equal(await code(v, await sign(k3, nowS())), 'OK');
    assert.equal(s.fetches, 2);
    const stranger = await keyPair('RS256', 'nobody');
    assert.equal(await code(v, await sign(stranger, nowS())), 'ERR_JWT_SIGNATURE/401');
    assert.equal(s.fetches, 2, 'unknown kids within the cooldown cause no fetch');
  });

  it('a token without kid is checked against every key of its type in the set (two keys during a rotation)', async () => {
    const k3 = await keyPair('RS256', 'k3');
    const s = await idp([k1, k3]); servers.push(s);
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks` });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k3, nowS(), {}, { kid: undefined })), 'OK');
    assert.equal(await code(v, await sign(k1, nowS(), {}, { kid: undefined })), 'OK');
    const stranger = await keyPair('RS256', 'k1');
    assert.equal(await code(v, await sign(stranger, nowS(), {}, { kid: undefined })), 'ERR_JWT_SIGNATURE/401');
  });

  it('a token with a just-rotated kid arriving during a background refresh waits for that refresh (no second fetch)', async () => {
    const kidless = await keyPair('RS256', 'x');
    delete (kidless.jwk as { kid?: string }).kid;
    const k3 = await keyPair('RS256', 'k3');
    for (const [before, rotated] of [[[k1], k2], [[k1, kidless], k3]] as Array<[KeyPair[], KeyPair]>) {
      const s = await idp(before); servers.push(s);
      const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks`, jwks: { unknown_kid_cooldown_s: 30 } });
      stops.push(() => iss.remote!.stop());
      assert.equal(await code(v, await sign(k1, nowS())), 'OK');
      assert.equal(s.fetches, 1);
      s.keys = [...before, rotated]; // the issuer rotates in a new key …
      let release!: () => void;
      s.hold = new Promise((r) => { release = r; });
      const background = iss.remote!.refresh(); // … while the periodic refresh is on its way (slow IdP)
      await until(() => s.fetches === 2);
      let answer: string | undefined;
      const pending = code(v, await sign(rotated, nowS())).then((c) => { answer = c; return c; });
      await sleep(100);
      assert.equal(answer, undefined, `${rotated.jwk.kid}: the token waits for the in-flight refresh instead of failing at once`);
      release();
      await background;
      assert.equal(await pending, 'OK', `${rotated.jwk.kid}: verified against the refreshed set`);
      assert.equal(s.fetches, 2, 'no extra fetch while one was in flight');
      s.hold = undefined;
    }
  });

  it('a token waiting for an in-flight refresh waits no longer than the fetch timeout', async () => {
    const s = await idp([k1]); servers.push(s);
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks`, jwks: { unknown_kid_cooldown_s: 30, timeout_ms: 300 } });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
    s.mode = 'hang';
    const background = iss.remote!.refresh().catch(() => 'failed');
    await until(() => s.fetches === 2);
    assert.equal(await code(v, await sign(k2, nowS())), 'ERR_JWT_KID_UNKNOWN/401', 'the hung refresh timed out; the last good set answered');
    assert.equal(await background, 'failed');
    assert.equal(s.fetches, 2);
    s.mode = 'ok';
  });

  it('keeps serving the last good key set while the endpoint is down, up to max_stale_s', async () => {
    const s = await idp([k1]); servers.push(s);
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks`, jwks: { max_stale_s: 600, unknown_kid_cooldown_s: 1 } });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
    s.mode = 'down';
    clock.advance(300_000);
    await iss.remote!.refresh().catch(() => undefined); // a background refresh fails
    assert.equal(await code(v, await sign(k1, nowS())), 'OK', 'last good set still serves');
    clock.advance(301_000); // now older than max_stale_s
    assert.equal(await code(v, await sign(k1, nowS())), 'ERR_JWT_KEYS_UNAVAILABLE/503');
    s.mode = 'ok';
    clock.advance(2_000);
    assert.equal(await code(v, await sign(k1, nowS())), 'OK', 'recovers when the endpoint is back');
  });

  it('fails closed with 503 when the key set was never fetched (timeout)', async () => {
    const s = await idp([k1]); servers.push(s);
    s.mode = 'hang';
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks`, jwks: { timeout_ms: 200 } });
    stops.push(() => iss.remote!.stop());
    // the server never answers: only the fetch deadline ends this
    assert.equal(await code(v, await sign(k1, nowS())), 'ERR_JWT_KEYS_UNAVAILABLE/503');
    assert.match(iss.remote!.lastError ?? '', /timed out/);
    assert.equal(iss.remote!.ready(), false);
  });

  it('keeps the last good set when the endpoint returns garbage', async () => {
    const s = await idp([k1]); servers.push(s);
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks` });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
    s.mode = 'garbage';
    await assert.rejects(iss.remote!.refresh());
    assert.match(iss.remote!.lastError ?? '', /not JSON/);
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
  });

  it('keeps the last good set when the new one has only broken keys (junk modulus, empty exponent, no coordinates)', async () => {
    const s = await idp([k1]); servers.push(s);
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks` });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
    const keys = s.keys;
    s.keys = [{ ...k1, jwk: { ...k1.jwk, n: 'AAAA' } }, { ...k1, jwk: { ...k1.jwk, kid: 'k1b', e: '' } }, { ...k2, jwk: { kty: 'EC', kid: 'k2', crv: 'P-256' } }];
    await assert.rejects(iss.remote!.refresh(), /no usable public keys/);
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
    // a set mixing a broken key and a good one is taken, without the broken one
    s.keys = [{ ...k1, jwk: { ...k1.jwk, n: 'AAAA' } }, k2];
    await iss.remote!.refresh();
    assert.equal(iss.remote!.keyCount(), 1);
    assert.equal(await code(v, await sign(k2, nowS())), 'OK');
    s.keys = keys;
  });

  it('refreshes in the background before expiry, honouring Cache-Control max-age', async () => {
    const s = await idp([k1]); servers.push(s);
    s.cacheControl = 'public, max-age=1';
    const { iss } = verifierFor({ jwks_url: `${s.url}/jwks`, jwks: { min_refresh_s: 1 } });
    stops.push(() => iss.remote!.stop());
    iss.remote!.start();
    await until(() => s.fetches >= 1);
    await until(() => s.fetches >= 2, 3000); // refreshed at ~0.8 s without any request
    assert.ok(iss.remote!.ready());
  });

  it('revalidates with If-None-Match and keeps the set on 304', async () => {
    const s = await idp([k1]); servers.push(s);
    s.etag = '"v1"';
    const { iss, v } = verifierFor({ jwks_url: `${s.url}/jwks` });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
    await iss.remote!.refresh();
    assert.equal(s.fetches, 2);
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
    assert.equal(iss.remote!.keyCount(), 1);
  });

  it('finds the JWKS through OIDC discovery', async () => {
    const s = await idp([k1]); servers.push(s);
    const { iss, v } = verifierFor({ discovery: `${s.url}/.well-known/openid-configuration` });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k1, nowS())), 'OK');
  });

  it('refuses a discovery document whose issuer differs from the configured one', async () => {
    const s = await idp([k1]); servers.push(s);
    s.discoveryIssuer = 'https://evil.test';
    const { iss, v } = verifierFor({ discovery: `${s.url}/.well-known/openid-configuration` });
    stops.push(() => iss.remote!.stop());
    assert.equal(await code(v, await sign(k1, nowS())), 'ERR_JWT_KEYS_UNAVAILABLE/503');
    assert.match(iss.remote!.lastError ?? '', /issuer/);
  });

  it('shares one fetcher between config loads with the same JWKS settings', async () => {
    const s = await idp([k1]); servers.push(s);
    const registry = new SharedRegistry();
    const a = verifierFor({ jwks_url: `${s.url}/jwks` }, registry);
    const b = verifierFor({ jwks_url: `${s.url}/jwks` }, registry);
    assert.equal(a.iss.remote, b.iss.remote);
    registry.release(a.iss.sharedKey!);
    assert.equal(registry.size(), 1);
    registry.release(b.iss.sharedKey!);
    assert.equal(registry.size(), 0);
  });
});
