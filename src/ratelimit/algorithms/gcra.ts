import type { Hit, Verdict } from '../rule.js';
import { GCRA, type CounterOp, type RawResult } from '../store/types.js';
import { periodMs } from '../units.js';

/**
 * GCRA (generic cell rate algorithm), the token bucket without a refill timer: one stored value, the
 * theoretical arrival time (TAT). Emission interval T = period / limit; burst tolerance τ = burst × T.
 * A request of n hits is admitted when max(TAT, now) + n·T − τ ≤ now; then TAT advances by n·T.
 * Denied requests consume nothing. A full bucket holds `burst` requests and refills one every T.
 * The store works in whole microseconds (see store/redis-lua.ts), so T is rounded UP to a whole
 * microsecond: the bucket holds exactly `burst` and never refills faster than the limit (a rounded-down or
 * rounded-to-nearest T undercharged every request: 3004 of a 3000 burst, 1 s / 3000 = 333.33 µs).
 */
export function gcraParams(hit: Hit): { interval: number; intervalUs: number; tau: number; tauUs: number; burst: number } {
  const periodUs = periodMs(hit.rule.period) * 1000;
  const intervalUs = Math.ceil(periodUs / hit.limit);
  const interval = intervalUs / 1000;
  let burst = hit.rule.burst > 0 ? hit.rule.burst : hit.limit;
  let tauUs = burst * intervalUs;
  const normal = hit.normalLimit;
  if (normal !== undefined && normal > hit.limit) {
    // a throttled limit on the same bucket: the normal limit's tolerance in time, at least one request
    const normalTauUs = (hit.rule.burst > 0 ? hit.rule.burst : normal) * Math.ceil(periodUs / normal);
    tauUs = Math.max(intervalUs, Math.min(tauUs, normalTauUs));
    burst = Math.max(1, Math.floor(tauUs / intervalUs));
  }
  return { interval, intervalUs, tau: tauUs / 1000, tauUs, burst };
}

export function planGcra(hit: Hit, tag: string): CounterOp {
  const g = gcraParams(hit);
  const key = `${hit.key}:g`;
  return { kind: GCRA, key, key2: key, tag, a: g.intervalUs, hits: hit.hits, p: g.tauUs, ttlMs: 0, shadow: hit.rule.shadowMode };
}

export function finishGcra(hit: Hit, r: RawResult, now: number): Verdict {
  const g = gcraParams(hit);
  const tat = r.x / 1000;
  const next = r.y / 1000;
  const resetMs = Math.max(0, Math.ceil(tat - now));
  const remaining = Math.max(0, Math.min(g.burst, Math.floor((now + g.tau - tat) / g.interval + 1e-6)));
  if (r.ok) return { over: false, remaining, resetMs, retryAfterMs: 0, source: 'store' };
  const retry = hit.hits > g.burst ? periodMs(hit.rule.period) : Math.max(1, Math.ceil(next - g.tau - now - 1e-6));
  return { over: true, remaining: 0, resetMs, retryAfterMs: retry, source: 'store' };
}
