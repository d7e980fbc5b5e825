/**
 * The counter store behind every limit: one call per decision checks and updates all of the decision's
 * counters atomically (Redis: one Lua script call; memory: one synchronous pass).
 */

/** Counter kinds, as numbers because they travel to the Lua script. */
export const FIXED = 1;
export const SLIDING = 2;
export const GCRA = 3;
export type CounterKind = typeof FIXED | typeof SLIDING | typeof GCRA;

/**
 * Ceiling of a fixed-window counter (2^52). Refused hits count in a fixed window (envoyproxy/ratelimit
 * counting), so under attack a counter keeps growing; it saturates here instead, far above any uint32
 * limit plus any addend (rls/hits-addend.ts MAX_HITS_ADDEND), so no decision changes, while Lua's doubles
 * stay exact and Redis INCRBY cannot overflow.
 */
export const COUNTER_MAX = 2 ** 52;

export interface CounterOp {
  kind: CounterKind;
  /** Counter key (fixed: per window; sliding: current window; GCRA: the bucket). */
  key: string;
  /** Sliding: the previous window's key. Otherwise equal to `key`. */
  key2: string;
  /** Redis Cluster hash tag: all ops of one store call with the same tag land on one slot. */
  tag: string;
  /** Fixed / sliding: the limit. GCRA: emission interval T in µs (period / limit). */
  a: number;
  /** Hits this op adds (0: check only, nothing is written). */
  hits: number;
  /** Sliding: weight of the previous window (0..1). GCRA: burst tolerance τ in µs. Fixed: 0. */
  p: number;
  /** Key time-to-live for fixed and sliding counters, ms. */
  ttlMs: number;
  /** Shadow-mode ops never block the other ops of an all-or-nothing decision. */
  shadow: boolean;
}

/**
 * Fixed: x = count after the call. Sliding: x = current window count after, y = previous window count.
 * GCRA: x = theoretical arrival time (TAT, µs since epoch) stored after the call, y = the TAT this request
 * would have set.
 */
export interface RawResult { ok: boolean; x: number; y: number }

/**
 * independent: every counter decides for itself; fixed windows count every hit, like envoyproxy/ratelimit
 * (ShouldRateLimit). all: nothing is consumed unless every non-shadow counter admits (Check limit phase).
 */
export type CommitMode = 'independent' | 'all';

export interface CounterStore {
  readonly kind: 'memory' | 'redis' | 'cluster';
  decide(ops: CounterOp[], mode: CommitMode, now: number): RawResult[] | Promise<RawResult[]>;
}

/** Why a store call produced no answer (a metric label). */
export type StoreFailureReason = 'timeout' | 'error' | 'breaker_open' | 'disconnected';

export class StoreFailure extends Error {
  constructor(readonly reason: StoreFailureReason, message: string) {
    super(message);
  }
}
