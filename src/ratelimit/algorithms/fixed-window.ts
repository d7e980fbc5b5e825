import type { Hit, Verdict } from '../rule.js';
import { FIXED, type CounterOp, type RawResult } from '../store/types.js';
import { fixedWindow } from '../units.js';

/**
 * Fixed window, counted as envoyproxy/ratelimit counts: one counter per window (key suffixed with the
 * window start), INCRBY hits, over when the count after the increment exceeds the limit.
 */
export function planFixed(hit: Hit, tag: string, now: number): CounterOp {
  const w = fixedWindow(hit.rule.period, now);
  const key = `${hit.key}:f:${w.start}`;
  return { kind: FIXED, key, key2: key, tag, a: hit.limit, hits: hit.hits, p: 0, ttlMs: w.end - now + 1000, shadow: hit.rule.shadowMode };
}

export function finishFixed(hit: Hit, r: RawResult, now: number): Verdict {
  const w = fixedWindow(hit.rule.period, now);
  const resetMs = w.end - now;
  if (!r.ok) return { over: true, remaining: 0, resetMs, retryAfterMs: resetMs, source: 'store' };
  return { over: false, remaining: Math.max(0, hit.limit - r.x), resetMs, retryAfterMs: 0, source: 'store' };
}
