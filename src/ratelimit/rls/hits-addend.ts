/**
 * How many hits a ShouldRateLimit descriptor adds to its counter, as envoyproxy/ratelimit reads them
 * (utils.GetHitsAddends):
 * - the descriptor's own `hits_addend` (google.protobuf.UInt64Value, newer Envoy: route
 *   `rate_limits[].hits_addend`) when set, 0 included: 0 checks the limit without counting;
 * - otherwise the request's `hits_addend` (uint32), where 0 or absent counts 1.
 *
 * Bound: an addend above MAX_HITS_ADDEND is counted as MAX_HITS_ADDEND. Limits and GCRA bursts are
 * uint32, so any addend ≥ 2^32 is refused whatever the counter holds: the clamp never changes a decision,
 * it only keeps the store's arithmetic exact (the fixed-window counter also saturates, store/types.ts
 * COUNTER_MAX).
 */
export const MAX_HITS_ADDEND = 2 ** 32;

/** The request-level addend (uint32 on the wire): 0, absent or unreadable counts 1. */
export function requestHits(v: unknown): number {
  const n = Math.floor(Number(v));
  return n >= 1 ? Math.min(n, MAX_HITS_ADDEND) : 1;
}

/**
 * A descriptor's addend: `fallback` (the request's) when the wrapper is absent; its value when set (an
 * empty wrapper message is 0). A value no uint64 can have (negative, not a number) counts as `fallback`:
 * malformed input is never free.
 */
export function descriptorHits(wrapper: unknown, fallback: number): number {
  if (wrapper === null || typeof wrapper !== 'object') return fallback;
  const raw = (wrapper as { value?: unknown }).value;
  if (raw === undefined || raw === null) return 0;
  const n = typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'string' ? Number(raw) : NaN;
  if (Number.isNaN(n) || n < 0) return fallback;
  return Math.min(Math.floor(n), MAX_HITS_ADDEND);
}
