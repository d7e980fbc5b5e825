import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { fixedWindow } from '../../../src/ratelimit/units.js';
import type { CounterStore } from '../../../src/ratelimit/store/types.js';
import { decide, hit, rule, testLimiter, type TestLimiter } from './helpers.js';

let t: TestLimiter;
afterEach(() => t?.close());

async function run(n: number, h: ReturnType<typeof hit>, mode: 'independent' | 'all' = 'independent') {
  const out = [];
  for (let i = 0; i < n; i++) out.push((await decide(t, [h], mode))[0]!);
  return out;
}

describe('fixed window (envoyproxy/ratelimit counting)', () => {
  it('admits requests_per_unit per window, counts remaining down, resets at the window end', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 5, period: { unit: 'minute', multiplier: 1 } });
    t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 20);
    const v = await run(6, hit(r));
    assert.deepEqual(v.map((x) => x.over), [false, false, false, false, false, true]);
    assert.deepEqual(v.slice(0, 5).map((x) => x.remaining), [4, 3, 2, 1, 0]);
    assert.equal(v[5]!.remaining, 0);
    assert.equal(v[5]!.resetMs, 40_000);
    assert.equal(v[5]!.retryAfterMs, 40_000);
    t.clock.t = Date.UTC(2024, 0, 1, 10, 1, 0);
    const next = await run(1, hit(r));
    assert.equal(next[0]!.over, false);
    assert.equal(next[0]!.remaining, 4);
  });

  it('hits_addend: a request crossing the limit is over, and its hits still count (ShouldRateLimit counting)', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 10 });
    assert.equal((await decide(t, [hit(r, 'a', 8)]))[0]!.remaining, 2);
    assert.equal((await decide(t, [hit(r, 'a', 5)]))[0]!.over, true);
    // the counter is now 13: a single hit is over too, as in envoyproxy/ratelimit
    assert.equal((await decide(t, [hit(r, 'a', 1)]))[0]!.over, true);
  });

  it('all-or-nothing (Check): a refused request consumes nothing', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 10 });
    await decide(t, [hit(r, 'a', 8)], 'all');
    assert.equal((await decide(t, [hit(r, 'a', 5)], 'all'))[0]!.over, true);
    const v = (await decide(t, [hit(r, 'a', 1)], 'all'))[0]!;
    assert.equal(v.over, false);
    assert.equal(v.remaining, 1);
  });

  it('requests_per_unit 0 refuses every request until the end of the window', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 0, period: { unit: 'hour', multiplier: 1 } });
    const v = (await decide(t, [hit(r)]))[0]!;
    assert.equal(v.over, true);
    assert.equal(v.retryAfterMs, fixedWindow(r.period, t.clock.t).end - t.clock.t);
  });

  it('allows a double burst across a window boundary (the reason for sliding windows)', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 10 });
    t.clock.t = Math.floor(t.clock.t / 1000) * 1000 + 990;
    assert.equal((await run(10, hit(r))).filter((x) => !x.over).length, 10);
    t.clock.advance(20);
    assert.equal((await run(10, hit(r))).filter((x) => !x.over).length, 10);
  });
});

describe('sliding window (weighted previous + current)', () => {
  it('refuses the second burst right after a boundary', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 10, algorithm: 'sliding_window' });
    t.clock.t = Math.floor(t.clock.t / 1000) * 1000 + 990;
    assert.equal((await run(10, hit(r))).filter((x) => !x.over).length, 10);
    t.clock.advance(20); // 10 ms into the next window: previous weighs 0.99 → estimate 9.9
    const v = await run(3, hit(r));
    assert.deepEqual(v.map((x) => x.over), [true, true, true]);
  });

  it('admits as the previous window decays, and Retry-After says when', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 10, algorithm: 'sliding_window' });
    const start = Math.floor(t.clock.t / 1000) * 1000;
    t.clock.t = start;
    await run(10, hit(r));
    t.clock.t = start + 1250; // 25% into the next window: estimate 10 × 0.75 = 7.5
    const v = await run(3, hit(r));
    assert.deepEqual(v.map((x) => x.over), [false, false, true]);
    // current 2, previous 10: room for 1 more when 10 × (1 − e) ≤ 7 → e = 0.3 → 50 ms from now
    assert.equal(v[2]!.retryAfterMs, 50);
    t.clock.advance(49);
    assert.equal((await run(1, hit(r)))[0]!.over, true);
    t.clock.advance(1);
    assert.equal((await run(1, hit(r)))[0]!.over, false);
  });

  it('refused requests are not counted', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 3, algorithm: 'sliding_window', period: { unit: 'minute', multiplier: 1 } });
    t.clock.t = Math.floor(t.clock.t / 60_000) * 60_000;
    await run(20, hit(r));
    t.clock.advance(60_000); // previous window holds exactly 3 admitted
    t.clock.advance(40_000); // weight 1/3 → estimate 1
    const v = await run(3, hit(r));
    assert.deepEqual(v.map((x) => x.over), [false, false, true]);
  });
});

describe('GCRA / token bucket', () => {
  it('a full bucket of `burst` requests, then one per emission interval', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 10, algorithm: 'gcra', burst: 3 });
    const v = await run(4, hit(r));
    assert.deepEqual(v.map((x) => x.over), [false, false, false, true]);
    assert.deepEqual(v.slice(0, 3).map((x) => x.remaining), [2, 1, 0]);
    assert.equal(v[3]!.retryAfterMs, 100); // T = 1000 ms / 10
    t.clock.advance(99);
    assert.equal((await run(1, hit(r)))[0]!.over, true);
    t.clock.advance(1);
    assert.deepEqual((await run(2, hit(r))).map((x) => x.over), [false, true]);
  });

  it('burst defaults to requests_per_unit; refused requests consume nothing', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 5, algorithm: 'gcra' });
    assert.equal((await run(50, hit(r))).filter((x) => !x.over).length, 5);
    t.clock.advance(200); // exactly one emission interval
    assert.equal((await run(10, hit(r))).filter((x) => !x.over).length, 1);
  });

  it('over a long run admits burst + rate × time, smoothly', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 10, algorithm: 'gcra', burst: 5 });
    let admitted = 0;
    for (let ms = 0; ms < 10_000; ms += 10) {
      if (!(await decide(t, [hit(r)]))[0]!.over) admitted++;
      t.clock.advance(10);
    }
    assert.equal(admitted, 5 + 10 * 10 - 1);
  });

  it('reports the time until the bucket is full again as reset', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 10, algorithm: 'gcra', burst: 10 });
    const v = await run(4, hit(r));
    assert.equal(v[3]!.resetMs, 400);
    assert.equal(v[3]!.remaining, 6);
  });
});

describe('decisions over several counters', () => {
  it('all-or-nothing: a request refused by one limit consumes none of the others', async () => {
    t = testLimiter();
    const a = rule({ descriptor: 'a', requestsPerUnit: 2 });
    const b = rule({ descriptor: 'b', requestsPerUnit: 10, algorithm: 'gcra' });
    for (let i = 0; i < 5; i++) await decide(t, [hit(a, 'ka'), hit(b, 'kb')], 'all');
    const only = (await decide(t, [hit(b, 'kb')], 'all'))[0]!;
    assert.equal(only.remaining, 7, 'b consumed 2 (admitted) + 1 (this one), not 5');
  });

  it('independent (ShouldRateLimit): every fixed-window counter counts the hit', async () => {
    t = testLimiter();
    const a = rule({ descriptor: 'a', requestsPerUnit: 2 });
    const b = rule({ descriptor: 'b', requestsPerUnit: 10 });
    for (let i = 0; i < 5; i++) await decide(t, [hit(a, 'ka'), hit(b, 'kb')]);
    assert.equal((await decide(t, [hit(b, 'kb')]))[0]!.remaining, 4);
  });

  it('a shadow-mode limit over its limit does not stop the others from consuming', async () => {
    t = testLimiter();
    const shadow = rule({ descriptor: 's', requestsPerUnit: 1, shadowMode: true });
    const b = rule({ descriptor: 'b', requestsPerUnit: 10 });
    let v = await decide(t, [hit(shadow, 'ks'), hit(b, 'kb')], 'all');
    v = await decide(t, [hit(shadow, 'ks'), hit(b, 'kb')], 'all');
    assert.equal(v[0]!.over, true);
    assert.equal(v[1]!.remaining, 8);
  });
});

describe('near cache', () => {
  it('answers keys already over their limit without calling the store, until the reset', async () => {
    let calls = 0;
    const clockHolder = testLimiter();
    const inner = clockHolder.local;
    const counting: CounterStore = { kind: 'redis', decide: (ops, mode, now) => { calls++; return Promise.resolve(inner.decide(ops, mode, now)); } };
    t = testLimiter({ store: counting, nearCacheKeys: 100, clock: clockHolder.clock });
    const r = rule({ requestsPerUnit: 2, period: { unit: 'minute', multiplier: 1 } });
    t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 30);
    await run(3, hit(r));
    assert.equal(calls, 3);
    const v = await run(100, hit(r));
    assert.ok(v.every((x) => x.over && x.source === 'near_cache'));
    assert.equal(v[0]!.retryAfterMs, 30_000);
    assert.equal(calls, 3, 'the burst never reached the store');
    t.clock.t = Date.UTC(2024, 0, 1, 10, 1, 0);
    assert.equal((await run(1, hit(r)))[0]!.over, false);
    assert.equal(calls, 4);
    clockHolder.close();
  });
});

describe('top offenders', () => {
  it('ranks keys by over-limit hits and stays bounded', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 1 });
    for (let i = 0; i < 5; i++) await decide(t, [hit(r, 'test|ip=10.0.0.1')]);
    for (let i = 0; i < 3; i++) await decide(t, [hit(r, 'test|ip=10.0.0.2')]);
    for (let i = 0; i < 200; i++) await decide(t, [hit(r, `test|ip=10.1.${i}.1`)]);
    const top = t.offenders.top(2);
    assert.deepEqual(top.map((e) => [e.key, e.overLimit]), [['test|ip=10.0.0.1', 4], ['test|ip=10.0.0.2', 2]]);
    assert.ok(t.offenders.size <= 50);
  });

  it('hashes keys whose values may be credentials', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 0 });
    await decide(t, [{ ...hit(r, 'check|k|secret-api-key-123'), redact: true }]);
    const [e] = t.offenders.top(1);
    assert.match(e!.key, /^sha256:[0-9a-f]{16}$/);
    assert.ok(!JSON.stringify(t.offenders.top(10)).includes('secret-api-key-123'));
  });
});
