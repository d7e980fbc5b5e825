import type { Hit, Verdict } from '../rule.js';
import { SLIDING, type CounterOp, type RawResult } from '../store/types.js';
import { periodMs } from '../units.js';

/**
 * Sliding window (weighted previous + current): estimate = previous × (time left of the previous window
 * inside the sliding one / window) + current. A request is admitted when estimate + hits ≤ limit; only
 * admitted requests are counted.
 */
export function slidingGeometry(hit: Hit, now: number): { size: number; start: number; elapsed: number; weight: number } {
  const size = periodMs(hit.rule.period);
  const start = Math.floor(now / size) * size;
  const elapsed = now - start;
  return { size, start, elapsed, weight: (size - elapsed) / size };
}

export function planSliding(hit: Hit, tag: string, now: number): CounterOp {
  const g = slidingGeometry(hit, now);
  return {
    kind: SLIDING, key: `${hit.key}:s:${g.start}`, key2: `${hit.key}:s:${g.start - g.size}`, tag,
    a: hit.limit, hits: hit.hits, p: g.weight, ttlMs: 2 * g.size - g.elapsed + 1000, shadow: hit.rule.shadowMode,
  };
}

export function finishSliding(hit: Hit, r: RawResult, now: number): Verdict {
  const g = slidingGeometry(hit, now);
  const resetMs = g.size - g.elapsed;
  const estimate = r.y * g.weight + r.x;
  if (r.ok) {
    return { over: false, remaining: Math.max(0, Math.floor(hit.limit - estimate + 1e-9)), resetMs, retryAfterMs: 0, source: 'store' };
  }
  return { over: true, remaining: 0, resetMs, retryAfterMs: Math.max(1, Math.ceil(slidingRetryAfter(hit.limit, hit.hits, r.x, r.y, g) - 1e-6)), source: 'store' };
}

/** ms until previous-window decay (or the next window) makes room for `hits` more. */
export function slidingRetryAfter(limit: number, hits: number, cur: number, prev: number, g: { size: number; elapsed: number }): number {
  const room = limit - cur - hits;
  if (room >= 0 && prev > 0) {
    // within this window: prev × (1 − e/size) ≤ room
    const e = g.size * (1 - room / prev);
    return Math.max(0, e - g.elapsed);
  }
  if (hits > limit) return 2 * g.size - g.elapsed;
  // next window: cur becomes the previous one
  const e = cur > 0 ? g.size * (1 - (limit - hits) / cur) : 0;
  return g.size - g.elapsed + Math.max(0, e);
}
