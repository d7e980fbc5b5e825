import { Limiter } from '../../../src/ratelimit/limiter.js';
import { NearCache } from '../../../src/ratelimit/near-cache.js';
import { Offenders } from '../../../src/ratelimit/offenders.js';
import type { Hit, LimitRule } from '../../../src/ratelimit/rule.js';
import { MemoryCounterStore } from '../../../src/ratelimit/store/memory.js';
import type { CounterStore } from '../../../src/ratelimit/store/types.js';

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public t = Date.UTC(2024, 0, 15, 12, 0, 0)) {}
  now = (): number => this.t;
  advance(ms: number): void { this.t += ms; }
}

export function rule(over: Partial<LimitRule> = {}): LimitRule {
  return {
    domain: 'test', descriptor: 'k', name: 'k', requestsPerUnit: 10, period: { unit: 'second', multiplier: 1 },
    algorithm: 'fixed_window', burst: 0, shadowMode: false, failureMode: 'closed', detailed: false, ...over,
  };
}

export function hit(r: LimitRule, key = 'test|k=v', hits = 1, limit = r.requestsPerUnit): Hit {
  return { rule: r, key, limit, hits, redact: false };
}

export interface TestLimiter {
  limiter: Limiter;
  clock: FakeClock;
  local: MemoryCounterStore;
  nearCache: NearCache;
  offenders: Offenders;
  close(): void;
}

export function testLimiter(opts: { store?: CounterStore; nearCacheKeys?: number; clock?: FakeClock } = {}): TestLimiter {
  const clock = opts.clock ?? new FakeClock();
  const local = new MemoryCounterStore(10_000, 60_000, clock.now);
  const nearCache = new NearCache(opts.nearCacheKeys ?? 0);
  const offenders = new Offenders(50, true);
  const limiter = new Limiter({
    store: opts.store ?? local, local, nearCache, offenders, nearLimitRatio: 0.8, hashTag: 'domain', clock: clock.now,
  });
  return { limiter, clock, local, nearCache, offenders, close: () => local.close() };
}

/** decide() for tests: always a promise. */
export async function decide(t: TestLimiter, hits: Hit[], mode: 'independent' | 'all' = 'independent') {
  return await t.limiter.decide(hits, mode);
}
