import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthFailure } from '../../../src/identity/failure.js';
import { IntrospectionEndpoint, IntrospectionVerifier } from '../../../src/identity/introspection.js';
import type { IntrospectionConfig } from '../../../src/identity/config.js';
import { ctxOf, fakeClock, fixtureServer, json, silent } from './helpers.js';

const clock = fakeClock();
const nowS = () => Math.floor(clock.now() / 1000);

interface Seen { auth?: string; body: URLSearchParams; contentType?: string }

describe('OAuth2 token introspection (RFC 7662)', () => {
  let url = '';
  let close: () => Promise<void>;
  const seen: Seen[] = [];
  let hang = false;
  let fail500 = false;
  before(async () => {
    const s = await fixtureServer((req, res, body) => {
      const form = new URLSearchParams(body);
      seen.push({ auth: req.headers.authorization, body: form, contentType: req.headers['content-type'] });
      if (hang) return;
      if (fail500) { res.writeHead(500).end(); return; }
      const token = form.get('token');
      if (token === 'good') json(res, 200, { active: true, sub: 'svc-1', scope: 'orders:read orders:write', iss: 'https://as.test', aud: 'orders', exp: nowS() + 120, jti: 'j-1', iat: nowS() });
      else if (token === 'expired-but-active') json(res, 200, { active: true, sub: 'svc-1', exp: nowS() - 5 });
      else if (token === 'other-aud') json(res, 200, { active: true, sub: 'svc-1', aud: 'billing', exp: nowS() + 120 });
      else if (token === 'no-exp') json(res, 200, { active: true, client_id: 'client-7' });
      else if (token?.startsWith('typed:')) json(res, 200, { active: true, sub: 'svc-1', exp: nowS() + 120, ...JSON.parse(decodeURIComponent(token!.slice(6))) });
      else json(res, 200, { active: false });
    });
    url = `${s.url}/introspect`;
    close = s.close;
  });
  after(async () => { await close(); });

  const endpoint = (c: Partial<IntrospectionConfig> = {}) =>
    new IntrospectionEndpoint({ name: 'as', url, client_id: 'portcullis id', client_secret: 's3cr&t', ...c }, '/identity/introspection/0', process.cwd(), silent, clock.now);

  async function verify(ep: IntrospectionEndpoint, token: string) {
    const v = new IntrospectionVerifier(ep, 8192);
    const ctx = ctxOf({ headers: { authorization: `Bearer ${token}` } });
    return v.verify(ctx, v.extract(ctx) as any);
  }

  it('authenticates with HTTP Basic (form-encoded id and secret) and maps the answer to an identity', async () => {
    seen.length = 0;
    const r = await verify(endpoint(), 'good');
    assert.ok(!(r instanceof AuthFailure));
    assert.equal(r.identity.kind, 'introspection');
    assert.equal(r.identity.subject, 'svc-1');
    assert.deepEqual(r.identity.roles, ['orders:read', 'orders:write']);
    assert.equal(r.jti, 'j-1');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.contentType, 'application/x-www-form-urlencoded');
    assert.equal(seen[0]!.auth, `Basic ${Buffer.from('portcullis+id:s3cr%26t').toString('base64')}`);
    assert.equal(seen[0]!.body.get('token'), 'good');
    assert.equal(seen[0]!.body.get('token_type_hint'), 'access_token');
    assert.equal(seen[0]!.body.get('client_secret'), null);
  });

  it('authenticates with client_secret_post when configured', async () => {
    seen.length = 0;
    await verify(endpoint({ auth: 'post' }), 'good');
    assert.equal(seen[0]!.auth, undefined);
    assert.equal(seen[0]!.body.get('client_id'), 'portcullis id');
    assert.equal(seen[0]!.body.get('client_secret'), 's3cr&t');
  });

  it('active: false → 401 ERR_INTROSPECTION_INACTIVE, cached only briefly', async () => {
    seen.length = 0;
    const ep = endpoint({ cache: { negative_ttl_s: 5 } });
    const r = await verify(ep, 'revoked-at-as');
    assert.ok(r instanceof AuthFailure);
    assert.equal(r.code, 'ERR_INTROSPECTION_INACTIVE');
    assert.equal(r.status, 401);
    await verify(ep, 'revoked-at-as');
    assert.equal(seen.length, 1, 'negative answer cached');
    clock.advance(6000);
    await verify(ep, 'revoked-at-as');
    assert.equal(seen.length, 2, 'negative cache expired');
  });

  it('caches positive answers until exp, capped by max_ttl_s', async () => {
    seen.length = 0;
    const ep = endpoint({ cache: { max_ttl_s: 60 } });
    for (let i = 0; i < 5; i++) assert.ok(!((await verify(ep, 'good')) instanceof AuthFailure));
    assert.equal(seen.length, 1);
    clock.advance(61_000); // token exp is 120 s away, but the cap is 60 s
    await verify(ep, 'good');
    assert.equal(seen.length, 2);
  });

  it('treats an active answer whose exp has passed as inactive', async () => {
    const r = await verify(endpoint(), 'expired-but-active');
    assert.ok(r instanceof AuthFailure && r.code === 'ERR_INTROSPECTION_INACTIVE');
  });

  it('rejects a token for another audience when audiences are configured', async () => {
    const r = await verify(endpoint({ audiences: ['orders'] }), 'other-aud');
    assert.ok(r instanceof AuthFailure && r.code === 'ERR_INTROSPECTION_REJECTED');
    assert.ok(!((await verify(endpoint({ audiences: ['orders'] }), 'good')) instanceof AuthFailure));
  });

  it('uses client_id as the subject when there is no sub', async () => {
    const r = await verify(endpoint(), 'no-exp');
    assert.ok(!(r instanceof AuthFailure));
    assert.equal(r.identity.subject, 'client-7');
  });

  it('concurrent lookups of one token share one call', async () => {
    seen.length = 0;
    const ep = endpoint();
    await Promise.all(Array.from({ length: 10 }, () => verify(ep, 'good')));
    assert.equal(seen.length, 1);
  });

  it('times out, then fails closed with 503 (fail_mode closed)', async () => {
    hang = true;
    try {
      const r = await verify(endpoint({ timeout_ms: 150 }), 'good');
      assert.ok(r instanceof AuthFailure);
      assert.equal(r.code, 'ERR_INTROSPECTION_UNAVAILABLE');
      assert.equal(r.status, 503);
      assert.equal(r.failOpen, false);
    } finally { hang = false; }
  });

  it('fail_mode open marks the failure as fail-open', async () => {
    fail500 = true;
    try {
      const r = await verify(endpoint({ fail_mode: 'open' }), 'good');
      assert.ok(r instanceof AuthFailure && r.failOpen);
    } finally { fail500 = false; }
  });

  it('opens the circuit after consecutive failures and probes again after reset_s', async () => {
    fail500 = true;
    seen.length = 0;
    const ep = endpoint({ circuit_breaker: { failure_threshold: 3, reset_s: 10 } });
    try {
      for (let i = 0; i < 6; i++) await verify(ep, `t${i}`);
      assert.equal(seen.length, 3, 'no calls while the circuit is open');
      fail500 = false;
      clock.advance(11_000);
      const r = await verify(ep, 'good');
      assert.ok(!(r instanceof AuthFailure), 'half-open probe succeeded and closed the circuit');
      assert.equal(seen.length, 4);
    } finally { fail500 = false; }
  });

  // RFC 7662 §2.2 token_type; Hydra's token_use; Keycloak's typ claim. A refresh (or ID) token the AS calls active
  // is not an access token: presenting it as a bearer credential must not authenticate.
  it('refuses an active answer that says the token is a refresh or ID token, accepts access tokens and untyped answers', async () => {
    const ep = endpoint();
    const typed = (o: object) => `typed:${encodeURIComponent(JSON.stringify(o))}`;
    for (const t of [{ token_type: 'refresh_token' }, { token_type: 'Refresh_Token' }, { token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
      { token_type: 'id_token' }, { token_use: 'refresh_token' }, { typ: 'Refresh' }, { typ: 'Offline' }, { typ: 'ID' }, { token_type: 'Bearer', typ: 'Refresh' }]) {
      const r = await verify(ep, typed(t));
      assert.ok(r instanceof AuthFailure, `accepted ${JSON.stringify(t)}`);
      assert.equal(r.code, 'ERR_INTROSPECTION_REJECTED', JSON.stringify(t));
    }
    for (const t of [{}, { token_type: 'Bearer' }, { token_type: 'bearer' }, { token_type: 'DPoP' }, { token_use: 'access_token' }, { typ: 'Bearer' }, { token_type: 'access_token' }]) {
      const r = await verify(ep, typed(t));
      assert.ok(!(r instanceof AuthFailure), `refused ${JSON.stringify(t)}: ${(r as AuthFailure).code}`);
    }
  });

  it('refuses absurd tokens without calling the endpoint', async () => {
    seen.length = 0;
    const r = await verify(endpoint(), 'x'.repeat(9000));
    assert.ok(r instanceof AuthFailure);
    assert.equal(seen.length, 0);
  });
});
