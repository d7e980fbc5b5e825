import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { emptyContext } from '../../../src/pipeline/context-builder.js';
import type { RequestContext } from '../../../src/pipeline/context.js';
import { Deny } from '../../../src/pipeline/deny.js';
import { compileLimit, type CheckLimitConfig } from '../../../src/ratelimit/check/limits.js';
import { LimitStage, THROTTLE_FACT } from '../../../src/ratelimit/check/stage.js';
import type { HeaderFormat } from '../../../src/ratelimit/headers.js';
import { testLimiter, type TestLimiter } from './helpers.js';

let t: TestLimiter;
afterEach(() => t?.close());

function stage(limits: Array<[string, CheckLimitConfig]>, headers: HeaderFormat = 'ietf'): LimitStage {
  t ??= testLimiter();
  return new LimitStage(limits.map(([id, c]) => compileLimit(id, c, '/x', { failureMode: 'closed', ipv6PrefixLength: 64 })), t.limiter, headers);
}

function ctx(over: Partial<RequestContext> = {}): RequestContext {
  return Object.assign(emptyContext(), { route: 'api', client: { ip: '192.0.2.10' }, headers: {} }, over);
}

async function run(s: LimitStage, c: RequestContext): Promise<Deny | undefined> {
  const r = await s.run(c);
  return r instanceof Deny ? r : undefined;
}

describe('Check limit phase', () => {
  it('per-IP limit: 429 with Retry-After and IETF headers once over; ctx.limits filled', async () => {
    t = testLimiter();
    t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 15);
    const s = stage([['users-per-ip', { by: 'ip', requests_per_unit: 3, unit: 'minute' }]]);
    for (let i = 0; i < 3; i++) {
      const c = ctx();
      assert.equal(await run(s, c), undefined);
      assert.deepEqual(c.limits, [{ name: 'users-per-ip', limit: 3, remaining: 2 - i, resetMs: 45_000, overLimit: false }]);
      assert.deepEqual(c.responseHeaders, [['ratelimit-policy', '"users-per-ip";q=3;w=60'], ['ratelimit', `"users-per-ip";r=${2 - i};t=45`]]);
    }
    const c = ctx();
    const deny = await run(s, c);
    assert.ok(deny);
    assert.equal(deny.status, 429);
    assert.equal(deny.code, 'ERR_RATE_LIMITED');
    assert.deepEqual(deny.headers, { 'ratelimit-policy': '"users-per-ip";q=3;w=60', ratelimit: '"users-per-ip";r=0;t=45', 'retry-after': '45' });
    assert.equal(c.limits[0]!.overLimit, true);
    // another client is not affected
    assert.equal(await run(s, ctx({ client: { ip: '192.0.2.11' } })), undefined);
  });

  it('returns synchronously with the in-memory store (no promise on the hot path)', () => {
    t = testLimiter();
    const s = stage([['l', { by: 'ip', requests_per_unit: 3, unit: 'minute' }]]);
    const r = s.run(ctx());
    assert.ok(!(r instanceof Promise));
  });

  it('per-user limit keyed by identity subject; no identity → the limit does not apply', async () => {
    t = testLimiter();
    const s = stage([['payments-per-user', { by: 'subject', requests_per_unit: 1, unit: 'minute' }]]);
    const alice = () => ctx({ identity: { kind: 'jwt', subject: 'alice', roles: [], claims: {} } });
    assert.equal(await run(s, alice()), undefined);
    assert.equal((await run(s, alice()))?.status, 429);
    assert.equal(await run(s, ctx({ identity: { kind: 'jwt', subject: 'bob', roles: [], claims: {} } })), undefined);
    const anon = ctx();
    assert.equal(await run(s, anon), undefined);
    assert.deepEqual(anon.limits, []);
  });

  it('API-key plans: requests_per_unit by identity.plan', async () => {
    t = testLimiter();
    const s = stage([['tiered', { by: 'subject', requests_per_unit: 1, unit: 'minute', plans: { pro: 3 } }]]);
    const key = (subject: string, plan?: string) => ctx({ identity: { kind: 'api_key', subject, roles: [], claims: {}, plan } });
    const pro = [];
    for (let i = 0; i < 4; i++) pro.push((await run(s, key('k1', 'pro')))?.status ?? 200);
    assert.deepEqual(pro, [200, 200, 200, 429]);
    const free = [];
    for (let i = 0; i < 2; i++) free.push((await run(s, key('k2', 'free')))?.status ?? 200);
    assert.deepEqual(free, [200, 429]);
  });

  it('keyed by plan: all clients of a plan share one counter', async () => {
    t = testLimiter();
    const s = stage([['plan-total', { by: 'plan', requests_per_unit: 2, unit: 'minute' }]]);
    const key = (subject: string) => ctx({ identity: { kind: 'api_key', subject, roles: [], claims: {}, plan: 'free' } });
    assert.equal(await run(s, key('a')), undefined);
    assert.equal(await run(s, key('b')), undefined);
    assert.equal((await run(s, key('c')))?.status, 429);
  });

  it('keyed by a header and by route (composite)', async () => {
    t = testLimiter();
    const s = stage([['tenant', { by: ['route', 'header:x-tenant'], requests_per_unit: 1, unit: 'minute' }]]);
    assert.equal(await run(s, ctx({ headers: { 'x-tenant': 'a' } })), undefined);
    assert.equal((await run(s, ctx({ headers: { 'x-tenant': 'a' } })))?.status, 429);
    assert.equal(await run(s, ctx({ headers: { 'x-tenant': 'b' } })), undefined);
    assert.equal(await run(s, ctx({ route: 'other', headers: { 'x-tenant': 'a' } })), undefined);
    // a header value cannot forge another key by containing the separator
    assert.equal(await run(s, ctx({ headers: { 'x-tenant': 'a|x' } })), undefined);
  });

  it('threat throttle: a tighter limit while ctx.facts["threat.throttle"] is true', async () => {
    t = testLimiter();
    const s = stage([['per-ip', { by: 'ip', requests_per_unit: 100, unit: 'minute', throttled_requests_per_unit: 2 }]]);
    const throttled = () => ctx({ facts: { [THROTTLE_FACT]: true } });
    assert.equal(await run(s, throttled()), undefined);
    assert.equal(await run(s, throttled()), undefined);
    const d = await run(s, throttled());
    assert.equal(d?.status, 429);
    assert.equal(d?.headers?.['ratelimit-policy'], '"per-ip";q=2;w=60');
    // the same client without the throttle fact still has its normal budget
    assert.equal(await run(s, ctx()), undefined);
  });

  it('IPv6 clients are keyed by their /64', async () => {
    t = testLimiter();
    const s = stage([['per-ip', { by: 'ip', requests_per_unit: 1, unit: 'minute' }]]);
    assert.equal(await run(s, ctx({ client: { ip: '2001:db8:1:2::1' } })), undefined);
    assert.equal((await run(s, ctx({ client: { ip: '2001:db8:1:2:ffff::9' } })))?.status, 429);
    assert.equal(await run(s, ctx({ client: { ip: '2001:db8:1:3::1' } })), undefined);
  });

  it('several limits: the request refused by one consumes none of the others', async () => {
    t = testLimiter();
    const s = stage([
      ['burst', { by: 'ip', requests_per_unit: 1, unit: 'second' }],
      ['hourly', { by: 'ip', requests_per_unit: 100, unit: 'hour' }],
    ]);
    await run(s, ctx());
    for (let i = 0; i < 5; i++) assert.equal((await run(s, ctx()))?.status, 429);
    t.clock.advance(1000);
    const c = ctx();
    await run(s, c);
    assert.equal(c.limits.find((l) => l.name === 'hourly')!.remaining, 98);
  });

  // GCRA's burst is a number of requests; its tolerance in time is burst × interval. A throttled limit has a longer
  // interval on the same bucket, so the same burst tolerated 12× as much time: a client turning suspicious after
  // using its burst was let through again, 9 more at once, by the limit meant to be tighter.
  it('gcra: a throttled client is never admitted where the normal limit would refuse it', async () => {
    t = testLimiter();
    t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 0);
    const s = stage([['per-user', { by: 'ip', requests_per_unit: 60, unit: 'minute', algorithm: 'gcra', burst: 10, throttled_requests_per_unit: 5 }]]);
    const throttled = () => ctx({ facts: { [THROTTLE_FACT]: true } });
    let normal = 0;
    for (let i = 0; i < 20; i++) if (await run(s, ctx()) === undefined) normal++;
    assert.equal(normal, 10, 'the burst');
    let more = 0;
    for (let i = 0; i < 20; i++) if (await run(s, throttled()) === undefined) more++;
    assert.equal(more, 0, 'throttled after the burst at the same instant');
    // alone, a throttled client still gets its own rate: 5 a minute
    t.clock.advance(3_600_000);
    let perMinute = 0;
    for (let sec = 0; sec < 600; sec++) { if (await run(s, throttled()) === undefined) perMinute++; t.clock.advance(1000); }
    assert.ok(perMinute >= 50 && perMinute <= 51, `${perMinute} in 10 minutes`);
  });

  it('several limits over: the 429 describes the one that resets last, so a retry after Retry-After can succeed', async () => {
    t = testLimiter();
    t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 0);
    const s = stage([['per-second', { by: 'ip', requests_per_unit: 1, unit: 'second' }], ['per-hour', { by: 'ip', requests_per_unit: 1, unit: 'hour' }]]);
    assert.equal(await run(s, ctx()), undefined);
    const c = ctx();
    const deny = await run(s, c);
    assert.ok(deny);
    assert.deepEqual(c.limits.map((l) => l.overLimit), [true, true]);
    assert.deepEqual(deny.headers, { 'ratelimit-policy': '"per-hour";q=1;w=3600', ratelimit: '"per-hour";r=0;t=3600', 'retry-after': '3600' });
    assert.match(deny.message, /per-hour/);
  });

  it('shadow mode: over the limit is recorded as a shadow deny, the request goes on', async () => {
    t = testLimiter();
    const s = stage([['soft', { by: 'ip', requests_per_unit: 1, unit: 'minute', shadow_mode: true }]]);
    await run(s, ctx());
    const c = ctx();
    assert.equal(await run(s, c), undefined);
    assert.equal(c.shadowDenies.length, 1);
    assert.equal(c.shadowDenies[0]!.code, 'ERR_RATE_LIMITED');
  });

  it('response_headers none: no rate-limit headers, Retry-After still on 429', async () => {
    t = testLimiter();
    const s = stage([['l', { by: 'ip', requests_per_unit: 1, unit: 'minute' }]], 'none');
    const c = ctx();
    await run(s, c);
    assert.deepEqual(c.responseHeaders, []);
    assert.deepEqual(Object.keys((await run(s, ctx()))!.headers!), ['retry-after']);
  });

  it('rejects burst without gcra and a throttled limit above the normal one', () => {
    assert.throws(() => compileLimit('x', { by: 'ip', requests_per_unit: 1, unit: 'second', burst: 3 }, '/routes/0/ratelimit/limits/0', { failureMode: 'closed', ipv6PrefixLength: 64 }), /burst applies to algorithm: gcra only/);
    assert.throws(() => compileLimit('x', { by: 'ip', requests_per_unit: 1, unit: 'second', throttled_requests_per_unit: 5 }, '/p', { failureMode: 'closed', ipv6PrefixLength: 64 }), /must not be above requests_per_unit/);
  });
});
