// Seeded fuzz of what an identity provider's servers answer: JWKS, OIDC discovery and token introspection
// served by a local fixture server as random / truncated / mutated / wrong-typed JSON, HTML error pages,
// wrong statuses and content types, bodies past the size cap, a gzip bomb, slow-loris bodies and redirects
// (test/unit/fuzz-remote/hostile-http.ts). Oracles: nothing throws out of the fetchers or hangs past the
// configured timeout (the test awaits every call); a bad JWKS never replaces the last good key set (a token
// signed with the good key verifies after every bad fetch); with nothing good ever loaded, no token verifies
// (fail closed) unless the answer really carried the key; discovery never yields a jwks_uri from a document
// for another issuer or a non-http(s) one; introspection answers 'unavailable' (ERR_INTROSPECTION_UNAVAILABLE)
// or a verdict only from a response with a boolean "active"; every failure is counted in the metrics; the
// logs name the source and never carry the client secret or the token.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import { pino } from 'pino';
import { IntrospectionEndpoint } from '../../../src/identity/introspection.js';
import { RemoteJwks, type JwksOptions } from '../../../src/identity/jwks.js';
import { identityMetrics } from '../../../src/identity/metrics.js';
import { oidcJwksResolver } from '../../../src/identity/oidc.js';
import { hostilePlan, writePlan, type Plan } from '../fuzz-remote/hostile-http.js';
import { Rng } from '../pipeline/fuzz/prng.js';
import { fakeClock, fixtureServer } from './helpers.js';
import { AUD, ISS, keyPair, sign, type KeyPair } from './jwt-fixtures.js';

const ROUNDS = Number(process.env.PORTCULLIS_FUZZ_N ?? 60);
const TIMEOUT_MS = 250;
const SECRET = 'cl1ent-s3cret-do-not-log-0123456789';

async function counterValue(c: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> }, labels: Record<string, string>): Promise<number> {
  const v = await c.get();
  return v.values.filter((x) => Object.entries(labels).every(([k, want]) => x.labels[k] === want)).reduce((a, x) => a + x.value, 0);
}

function mutateJwks(r: Rng, good: KeyPair, other: KeyPair): (r: Rng, v: any) => unknown {
  return (rr, v) => {
    const k = { ...good.jwk };
    switch (rr.int(10)) {
      case 0: return { keys: [{ ...k, n: 'AAAA' }] }; // junk modulus
      case 1: return { keys: [{ kty: 'RSA', kid: k.kid }] }; // no key material
      case 2: return { keys: [{ ...k, kty: 'EC', crv: 'P-256', x: 'junk', y: 'junk' }] };
      case 3: return { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: k.kid, alg: 'HS256' }] };
      case 4: return { keys: Array.from({ length: 101 }, (_, i) => ({ ...other.jwk, kid: `k${i}` })) };
      case 5: return { keys: [{ ...k, kid: 12 }, null, 'x', 7] };
      case 6: return { keys: [{ ...k, e: '' }, { ...k, kid: 'dup' }] };
      case 7: return { keys: { 0: k } };
      case 8: return { keys: [{ ...other.jwk, kid: k.kid }] }; // a valid key, but not the signer's: a real rotation
      default: return { ...v, keys: [...v.keys, { kty: 'RSA', n: r.text(10), e: 'AQAB', kid: 'bad' }] };
    }
  };
}

describe('remote identity inputs under hostile servers', () => {
  let plan: Plan;
  let lastServed = '';
  let srv: Awaited<ReturnType<typeof fixtureServer>>;
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
  let good: KeyPair;
  let other: KeyPair;

  before(async () => {
    good = await keyPair('RS256', 'good-1');
    other = await keyPair('RS256', 'other-1');
    srv = await fixtureServer((_req, res) => { lastServed = Buffer.isBuffer(plan.body) ? plan.body.toString('latin1') : ''; writePlan(res, plan); });
  });
  after(async () => { await srv?.close(); });

  const opts: JwksOptions = { timeoutMs: TIMEOUT_MS, defaultTtlMs: 300_000, minTtlMs: 30_000, maxTtlMs: 86_400_000, cooldownMs: 0, maxStaleMs: 86_400_000, maxBytes: 64 * 1024, maxKeys: 100 };
  const goodJwks = () => JSON.stringify({ keys: [good.jwk] });
  /** The keys of the last answer that are real public keys (judged by node:crypto, not by the code under test). */
  const servedValidKeys = (): any[] => {
    try {
      const keys = JSON.parse(lastServed)?.keys;
      return Array.isArray(keys) ? keys.filter((k) => {
        try {
          const d = createPublicKey({ key: k, format: 'jwk' }).asymmetricKeyDetails;
          return k.kty !== 'oct' && (k.kty !== 'RSA' || ((d?.modulusLength ?? 0) >= 2048 && (d?.publicExponent ?? 0n) > 1n));
        } catch { return false; }
      }) : [];
    } catch { return []; }
  };
  const servedGoodKey = () => servedValidKeys().some((k) => k.kid === good.jwk.kid && k.n === good.jwk.n && k.e === good.jwk.e);

  it(`JWKS: ${ROUNDS} hostile answers never replace the last good key set; with none loaded nothing verifies`, async () => {
    const r = new Rng(0x1d0001);
    const nowS = Math.floor(Date.now() / 1000);
    const token = await sign(good, nowS);
    const jwks = new RemoteJwks(`${srv.url}/jwks`, opts, 'fuzz-jwks', logger);
    plan = { what: 'good', status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(goodJwks()) };
    await jwks.refresh();
    const problems: string[] = [];
    const mutate = mutateJwks(r, good, other);
    for (let i = 0; i < ROUNDS && problems.length < 10; i++) {
      plan = hostilePlan(r, goodJwks(), mutate, opts.maxBytes);
      const errorsBefore = await counterValue(identityMetrics.jwksFetches, { issuer: 'fuzz-jwks', result: 'error' });
      const refreshed = await jwks.refresh().then(() => true, () => false);
      const errorsAfter = await counterValue(identityMetrics.jwksFetches, { issuer: 'fuzz-jwks', result: 'error' });
      if (!refreshed && errorsAfter !== errorsBefore + 1) problems.push(`#${i} ${plan.what}: failed fetch not counted`);
      if (refreshed && plan.status === 200 && servedValidKeys().length === 0) problems.push(`#${i} ${plan.what}: accepted a key set without one usable key: ${lastServed.slice(0, 120)}`);
      const replacedByRotation = refreshed && !servedGoodKey();
      try {
        await jwtVerify(token, jwks.getKey, { issuer: ISS, audience: AUD });
        if (replacedByRotation) problems.push(`#${i} ${plan.what}: accepted a set without the key, yet the old key still verifies`);
      } catch (err) {
        if (!replacedByRotation) problems.push(`#${i} ${plan.what}: the last good key no longer verifies (${(err as Error).message}); served ${lastServed.slice(0, 120)}`);
      }
      if (replacedByRotation) { plan = { what: 'good', status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(goodJwks()) }; await jwks.refresh(); }
      // nothing good ever loaded: a fresh fetcher fed the same answer must not verify the token unless it carried the key
      if (i % 3 === 0 && plan.what !== 'good') {
        const fresh = new RemoteJwks(`${srv.url}/jwks`, opts, 'fuzz-jwks-fresh', logger);
        const ok = await jwtVerify(token, fresh.getKey, { issuer: ISS, audience: AUD }).then(() => true, () => false);
        if (ok && !servedGoodKey()) problems.push(`#${i} ${plan.what}: a fetcher that never loaded a good set verified a token`);
      }
    }
    assert.deepEqual(problems, []);
    jwks.stop();
  });

  it(`OIDC discovery: ${ROUNDS} hostile documents never yield a jwks_uri for another issuer or scheme`, async () => {
    const r = new Rng(0x1d0002);
    const doc = JSON.stringify({ issuer: ISS, jwks_uri: 'https://issuer.test/jwks', authorization_endpoint: 'https://issuer.test/auth' });
    const mutate = (rr: Rng, v: any): unknown => rr.pick([
      { ...v, issuer: `${ISS}/` }, { ...v, issuer: 7 }, { ...v, issuer: [ISS] }, { ...v, jwks_uri: 'file:///etc/passwd' },
      { ...v, jwks_uri: 'javascript:alert(1)' }, { ...v, jwks_uri: 42 }, { ...v, jwks_uri: undefined }, { issuer: ISS, jwks_uri: 'https://evil.test/jwks' },
    ]);
    const problems: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      plan = hostilePlan(r, doc, mutate, 256 * 1024);
      const resolve = oidcJwksResolver(ISS, TIMEOUT_MS, `${srv.url}/.well-known/openid-configuration`);
      const got = await resolve().then((u) => u, () => undefined);
      if (got === undefined) continue;
      let parsed: any;
      try { parsed = JSON.parse(lastServed); } catch { parsed = undefined; }
      if (!/^https?:\/\//.test(got) || parsed?.issuer !== ISS || parsed?.jwks_uri !== got) problems.push(`#${i} ${plan.what}: resolved ${got} from ${lastServed.slice(0, 120)}`);
    }
    assert.deepEqual(problems, []);
  });

  it(`introspection: ${ROUNDS} hostile answers give 'unavailable' or a verdict from a real RFC 7662 answer; counted; secret never logged`, async () => {
    const r = new Rng(0x1d0003);
    const clock = fakeClock(Date.now());
    const nowS = () => Math.floor(clock.now() / 1000);
    const ep = new IntrospectionEndpoint({ name: 'fuzz-as', url: `${srv.url}/introspect`, client_id: 'portcullis', client_secret: SECRET, timeout_ms: TIMEOUT_MS, cache: { max_ttl_s: 1, negative_ttl_s: 1 } },
      '/identity/introspection/0', process.cwd(), logger, clock.now);
    const goodAnswer = JSON.stringify({ active: true, sub: 'svc-1', scope: 'a b', exp: nowS() + 600 });
    const mutate = (rr: Rng, v: any): unknown => rr.pick([
      { ...v, active: 'true' }, { ...v, active: 1 }, { ...v, sub: 7 }, { ...v, sub: '' }, { ...v, exp: 'never' }, { ...v, exp: nowS() - 1 },
      { ...v, scope: { a: 1 } }, { ...v, scope: [1, null, 'x'] }, { active: true }, [v], { ...v, active: false }, { ...v, exp: 1e308 },
    ]);
    const problems: string[] = [];
    let verdicts = 0;
    for (let i = 0; i < ROUNDS; i++) {
      plan = hostilePlan(r, goodAnswer, mutate, 64 * 1024);
      clock.advance(20_000); // past cache and circuit breaker: every round calls the server
      const token = `tok-${i}-${r.text(12, 'abcdefghijklmnopqrstuvwxyz')}`;
      const errBefore = await counterValue(identityMetrics.introspections, { endpoint: 'fuzz-as', result: 'error' });
      let v: any;
      try { v = await ep.lookup(token); } catch (err) { problems.push(`#${i} ${plan.what}: lookup threw ${(err as Error).message}`); continue; }
      let parsed: any;
      try { parsed = JSON.parse(lastServed); } catch { parsed = undefined; }
      const rfc = plan.status === 200 && parsed !== null && typeof parsed === 'object' && typeof parsed.active === 'boolean';
      if (v === 'unavailable') {
        if (rfc && Buffer.isBuffer(plan.body) && plan.body.length <= 64 * 1024 && !plan.headers['content-encoding']) problems.push(`#${i} ${plan.what}: unavailable for a valid answer ${lastServed.slice(0, 100)}`);
        if ((await counterValue(identityMetrics.introspections, { endpoint: 'fuzz-as', result: 'error' })) !== errBefore + 1) problems.push(`#${i} ${plan.what}: failure not counted`);
        continue;
      }
      verdicts++;
      if (!rfc) problems.push(`#${i} ${plan.what}: a verdict from ${lastServed.slice(0, 100)}`);
      if (v.ok && (parsed?.active !== true || typeof parsed?.sub !== 'string' || parsed.sub === '')) problems.push(`#${i} ${plan.what}: active verdict from ${lastServed.slice(0, 100)}`);
      if (v.ok && typeof parsed.exp === 'number' && parsed.exp * 1000 <= clock.now()) problems.push(`#${i} ${plan.what}: expired token active`);
    }
    assert.deepEqual(problems, []);
    assert.ok(verdicts > 0, 'some answers were real verdicts');
    const basic = Buffer.from(`portcullis:${SECRET}`).toString('base64');
    for (const l of lines) {
      assert.ok(!l.includes(SECRET) && !l.includes(basic) && !/tok-\d+-/.test(l), `a log line carries a secret: ${l.slice(0, 200)}`);
      if (/"level":(50|60)/.test(l)) assert.fail(`error log: ${l.slice(0, 200)}`);
    }
    assert.ok(lines.some((l) => l.includes('"endpoint":"fuzz-as"')), 'failures are logged with the endpoint name');
    assert.ok(lines.some((l) => l.includes('"issuer":"fuzz-jwks"')), 'JWKS failures are logged with the issuer name');
  });
});
