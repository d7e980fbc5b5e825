// Per-descriptor hits_addend (RateLimitDescriptor.hits_addend, google.protobuf.UInt64Value): set, it
// replaces the request's hits_addend for that descriptor; 0 checks without counting (envoyproxy/ratelimit
// GetHitsAddends). Unset, the request's hits_addend counts (0 or absent: 1).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { loadDomainDir } from '../../../src/ratelimit/envoy-config/loader.js';
import type { ConfigState } from '../../../src/ratelimit/envoy-config/watcher.js';
import { ruleMetrics } from '../../../src/ratelimit/metrics.js';
import { MAX_HITS_ADDEND, descriptorHits, requestHits } from '../../../src/ratelimit/rls/hits-addend.js';
import { RlsHandler } from '../../../src/ratelimit/rls/handler.js';
import { MemoryCounterStore } from '../../../src/ratelimit/store/memory.js';
import { COUNTER_MAX, FIXED, GCRA, SLIDING, type CounterOp } from '../../../src/ratelimit/store/types.js';
import type { CounterStore } from '../../../src/ratelimit/store/types.js';
import { decide, hit, rule, testLimiter, type TestLimiter } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-rl-hits-'));
writeFileSync(join(dir, 'weighted.yaml'), `
domain: weighted
descriptors:
  - key: fixed
    rate_limit: { unit: minute, requests_per_unit: 10 }
  - key: sliding
    rate_limit: { unit: minute, requests_per_unit: 10, algorithm: sliding_window }
  - key: gcra
    rate_limit: { unit: minute, requests_per_unit: 10, algorithm: gcra }
  - key: count
    rate_limit: { unit: minute, requests_per_unit: 100 }
`);
after(() => rmSync(dir, { recursive: true, force: true }));

let t: TestLimiter;
let h: RlsHandler;
let state: ConfigState;

beforeEach(() => {
  const r = loadDomainDir(dir, { strict: false, failureMode: 'closed' });
  assert.deepEqual(r.problems, []);
  state = { current: r.set!, lastAttempt: 0 };
  t = testLimiter();
  t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 20);
  h = new RlsHandler(state, t.limiter, { headers: 'none', globalShadowMode: false, failureMode: 'closed' });
});
afterEach(() => t.close());

type D = { key: string; value?: string; addend?: unknown };
function req(descriptors: D[], hitsAddend?: number): any {
  return {
    domain: 'weighted', hits_addend: hitsAddend,
    descriptors: descriptors.map((d) => ({
      entries: [{ key: d.key, value: d.value ?? 'v' }],
      ...(d.addend === undefined ? {} : { hits_addend: d.addend }),
    })),
  };
}
async function call(r: any): Promise<any> { return await h.handle(r); }
const summary = (res: any) => res.statuses.map((s: any) => `${s.code}:${s.limit_remaining}`);

const ALGORITHMS = ['fixed', 'sliding', 'gcra'] as const;

describe('per-descriptor hits_addend in ShouldRateLimit', () => {
  it("a descriptor's hits_addend replaces the request's for that descriptor only", async () => {
    const r = await call(req([{ key: 'fixed', addend: { value: 5 } }, { key: 'count' }], 2));
    assert.deepEqual(summary(r), ['OK:5', 'OK:98']);
    // request-level 0 still counts 1 where no descriptor value is set
    assert.deepEqual(summary(await call(req([{ key: 'fixed', addend: { value: 3 } }, { key: 'count' }], 0))), ['OK:2', 'OK:97']);
  });

  for (const alg of ALGORITHMS) {
    it(`${alg}: hits_addend 5 exhausts a limit of 10 in two requests`, async () => {
      const r = () => call(req([{ key: alg, addend: { value: 5 } }]));
      assert.deepEqual(summary(await r()), ['OK:5']);
      assert.deepEqual(summary(await r()), ['OK:0']);
      const over = await r();
      assert.equal(over.overall_code, 'OVER_LIMIT');
      // the same counter for a plain request (the descriptor's entries are the counter, not its addend)
      assert.equal((await call(req([{ key: alg }]))).overall_code, 'OVER_LIMIT');
    });

    it(`${alg}: 0 checks without counting`, async () => {
      for (let i = 0; i < 5; i++) assert.deepEqual(summary(await call(req([{ key: alg, addend: { value: 0 } }]))), ['OK:10']);
      // a UInt64Value set to 0 arrives as an empty message
      assert.deepEqual(summary(await call(req([{ key: alg, addend: {} }]))), ['OK:10']);
      assert.deepEqual(summary(await call(req([{ key: alg }], 7))), ['OK:3'], 'the checks consumed nothing');
      assert.deepEqual(summary(await call(req([{ key: alg, addend: { value: 0 } }]))), ['OK:3']);
      await call(req([{ key: alg }], 3));
      // at the limit exactly: a check still fits (0 more hits), nothing is left
      assert.deepEqual(summary(await call(req([{ key: alg, addend: { value: 0 } }]))), ['OK:0']);
      assert.equal((await call(req([{ key: alg }]))).overall_code, 'OVER_LIMIT');
    });
  }

  it('fixed window: once refused hits pushed the counter past the limit, a check is over too (as upstream counts)', async () => {
    await call(req([{ key: 'fixed', addend: { value: 12 } }]));
    assert.deepEqual(summary(await call(req([{ key: 'fixed', addend: { value: 0 } }]))), ['OVER_LIMIT:0']);
  });

  it('a huge addend is refused, never overflows, and the counter recovers at the next window', async () => {
    const huge = { value: 18446744073709552000 };            // 2^64 − 1 as proto-loader's longs: Number gives it
    for (const alg of ALGORITHMS) {
      for (let i = 0; i < 3; i++) assert.equal((await call(req([{ key: alg, addend: huge }]))).statuses[0].code, 'OVER_LIMIT', alg);
    }
    // sliding and GCRA refusals consume nothing; the fixed window counts them, saturated
    assert.deepEqual(summary(await call(req([{ key: 'sliding' }, { key: 'gcra' }]))), ['OK:9', 'OK:9']);
    assert.equal((await call(req([{ key: 'fixed' }]))).overall_code, 'OVER_LIMIT');
    t.clock.advance(60_000);
    assert.deepEqual(summary(await call(req([{ key: 'fixed' }]))), ['OK:9']);
  });

  it('metrics count each descriptor with its own addend', async () => {
    const root = state.current.domains.get('weighted')!.root;
    const fixedRule = root.keyOnly.get('fixed')!.rule!;
    const countRule = root.keyOnly.get('count')!.rule!;
    const before = [ruleMetrics(fixedRule).hits, ruleMetrics(countRule).hits];
    await call(req([{ key: 'fixed', addend: { value: 4 } }, { key: 'count' }], 2));
    await call(req([{ key: 'fixed', addend: { value: 0 } }, { key: 'count', addend: { value: 0 } }]));
    assert.deepEqual([ruleMetrics(fixedRule).hits - before[0]!, ruleMetrics(countRule).hits - before[1]!], [4, 2]);
  });
});

describe('hits_addend bounds', () => {
  it('request level: uint32, 0 or absent counts 1', () => {
    assert.deepEqual([undefined, 0, 1, 7, 4294967295].map(requestHits), [1, 1, 1, 7, 4294967295]);
  });

  it('descriptor level: absent falls back; 0 is 0; above every uint32 limit it is clamped (the decision cannot change)', () => {
    assert.equal(descriptorHits(undefined, 3), 3);
    assert.equal(descriptorHits(null, 3), 3);
    assert.equal(descriptorHits({}, 3), 0);
    assert.equal(descriptorHits({ value: 0 }, 3), 0);
    assert.equal(descriptorHits({ value: 9 }, 3), 9);
    assert.equal(descriptorHits({ value: '18446744073709551615' }, 3), MAX_HITS_ADDEND);
    assert.equal(descriptorHits({ value: 18446744073709552000 }, 3), MAX_HITS_ADDEND);
    assert.ok(MAX_HITS_ADDEND > 4294967295, 'above every requests_per_unit and burst');
    // not a wire value (uint64 cannot be negative or fractional): counted as the request's addend, never as free
    assert.equal(descriptorHits({ value: -5 }, 3), 3);
    assert.equal(descriptorHits({ value: 'x' }, 3), 3);
  });

  it('the fixed-window counter saturates below 2^53 (Lua numbers stay exact; INCRBY cannot overflow)', () => {
    const store = new MemoryCounterStore(100, 60_000);
    const now = Date.UTC(2024, 0, 1);
    const op: CounterOp = { kind: FIXED, key: 'k', key2: 'k', tag: 't', a: 10, hits: COUNTER_MAX - 1, p: 0, ttlMs: 60_000, shadow: false };
    assert.equal(store.decide([op], 'independent', now)[0]!.x, COUNTER_MAX - 1);
    for (let i = 0; i < 3; i++) assert.deepEqual(store.decide([op], 'independent', now)[0], { ok: false, x: COUNTER_MAX, y: 0 });
    assert.ok(Number.isSafeInteger(COUNTER_MAX) && COUNTER_MAX >= 2 * MAX_HITS_ADDEND + 4294967295);
    store.close();
  });

  it('0-hit ops write nothing, for every kind', () => {
    const store = new MemoryCounterStore(100, 60_000);
    const now = Date.UTC(2024, 0, 1);
    const ops: CounterOp[] = [
      { kind: FIXED, key: 'f', key2: 'f', tag: 't', a: 10, hits: 0, p: 0, ttlMs: 60_000, shadow: false },
      { kind: SLIDING, key: 's1', key2: 's0', tag: 't', a: 10, hits: 0, p: 0.5, ttlMs: 60_000, shadow: false },
      { kind: GCRA, key: 'g', key2: 'g', tag: 't', a: 1000, hits: 0, p: 10_000, ttlMs: 0, shadow: false },
    ];
    const r = store.decide(ops, 'independent', now);
    assert.deepEqual(r.map((x) => x.ok), [true, true, true]);
    assert.equal(store.size, 0);
    store.close();
  });
});

describe('near cache with addends of different sizes', () => {
  function counted(): { store: CounterStore; calls: () => number; close: () => void } {
    const holder = testLimiter();
    let n = 0;
    return {
      store: { kind: 'redis', decide: (ops, mode, now) => { n++; return Promise.resolve(holder.local.decide(ops, mode, now)); } },
      calls: () => n,
      close: () => holder.close(),
    };
  }

  for (const algorithm of ['sliding_window', 'gcra'] as const) {
    it(`${algorithm}: a refused large request does not make the near cache refuse a small one the store admits`, async () => {
      const s = counted();
      t = testLimiter({ store: s.store, nearCacheKeys: 100 });
      const r = rule({ requestsPerUnit: 10, period: { unit: 'minute', multiplier: 1 }, algorithm });
      t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 30);
      assert.equal((await decide(t, [hit(r, 'k', 6)]))[0]!.over, false);
      assert.equal((await decide(t, [hit(r, 'k', 6)]))[0]!.over, true);
      const small = (await decide(t, [hit(r, 'k', 4)]))[0]!;
      assert.equal(small.over, false, `admitted by the store (source ${small.source})`);
      // a refusal of the smallest countable request (1 hit) may answer later ones locally, but not checks
      assert.equal((await decide(t, [hit(r, 'k', 1)]))[0]!.over, true);
      const calls = s.calls();
      assert.equal((await decide(t, [hit(r, 'k', 1)]))[0]!.source, 'near_cache');
      assert.equal(s.calls(), calls);
      const check = (await decide(t, [hit(r, 'k', 0)]))[0]!;
      assert.deepEqual([check.over, check.source], [false, 'store']);
      s.close();
    });
  }

  it('fixed window: a counter past its limit answers every request locally, checks included', async () => {
    const s = counted();
    t = testLimiter({ store: s.store, nearCacheKeys: 100 });
    const r = rule({ requestsPerUnit: 10, period: { unit: 'minute', multiplier: 1 } });
    t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 30);
    await decide(t, [hit(r, 'k', 11)]);
    const calls = s.calls();
    for (const n of [0, 1, 5]) assert.equal((await decide(t, [hit(r, 'k', n)]))[0]!.source, 'near_cache');
    assert.equal(s.calls(), calls);
    s.close();
  });

  it('Check (all-or-nothing): a refused fixed-window request consumes nothing, so a smaller one still reaches the store', async () => {
    const s = counted();
    t = testLimiter({ store: s.store, nearCacheKeys: 100 });
    const r = rule({ requestsPerUnit: 10, period: { unit: 'minute', multiplier: 1 } });
    t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 30);
    await decide(t, [hit(r, 'k', 8)], 'all');
    assert.equal((await decide(t, [hit(r, 'k', 5)], 'all'))[0]!.over, true);
    const v = (await decide(t, [hit(r, 'k', 2)], 'all'))[0]!;
    assert.deepEqual([v.over, v.remaining], [false, 0]);
    s.close();
  });
});
