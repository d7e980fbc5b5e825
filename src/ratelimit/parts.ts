import type { KvStore } from '../store/types.js';
import { NearCache } from './near-cache.js';
import { Offenders } from './offenders.js';
import type { Settings } from './settings.js';
import { GuardedStore } from './store/guarded.js';
import { MemoryCounterStore } from './store/memory.js';
import { RedisCounterStore } from './store/redis.js';
import type { CounterStore } from './store/types.js';

/**
 * The limiter's state that outlives a config reload: in-memory counters (a reload must not reset the
 * limits of a single instance), the near cache, the breaker, the top-offenders view. A new config reuses
 * each part when the store and the part's settings are unchanged.
 */
export interface LimiterState {
  kv: KvStore;
  local: MemoryCounterStore;
  localMaxKeys: number;
  counters: CounterStore;
  guard?: GuardedStore;
  guardSig: string;
  nearCache: NearCache;
  nearMax: number;
  offenders: Offenders;
  offSig: string;
}

export function buildState(kv: KvStore, s: Settings, prev: LimiterState | undefined, clock: () => number): LimiterState {
  const same = prev !== undefined && prev.kv === kv;
  const local = same && prev.localMaxKeys === s.localMaxKeys ? prev.local.retain() : new MemoryCounterStore(s.localMaxKeys, 10_000, clock);
  const guardSig = JSON.stringify([s.deadlineMs, s.breakerFailures, s.breakerOpenMs, s.keyPrefix]);
  let guard: GuardedStore | undefined;
  if (kv.redis) {
    const client = kv.redis;
    guard = same && prev.guard && prev.guardSig === guardSig
      ? prev.guard
      : new GuardedStore(new RedisCounterStore(client, s.keyPrefix), {
        deadlineMs: s.deadlineMs, breaker: { failures: s.breakerFailures, openMs: s.breakerOpenMs },
      }, () => client.status, clock);
  }
  const offSig = JSON.stringify([s.offendersSize, s.revealValues]);
  return {
    kv,
    local,
    localMaxKeys: s.localMaxKeys,
    counters: guard ?? local,
    guard,
    guardSig,
    nearCache: same && prev.nearMax === s.nearCacheMaxKeys ? prev.nearCache : new NearCache(s.nearCacheMaxKeys),
    nearMax: s.nearCacheMaxKeys,
    offenders: prev !== undefined && prev.offSig === offSig ? prev.offenders : new Offenders(s.offendersSize, s.revealValues),
    offSig,
  };
}
