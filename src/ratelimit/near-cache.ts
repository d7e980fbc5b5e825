import { GCRA, type CounterOp } from './store/types.js';

/**
 * Counters known to be over their limit, until their reset: an attack burst on one key is answered
 * locally instead of reaching the store (envoyproxy/ratelimit's "local cache"). Bounded; the oldest entry
 * goes first when full. Entries expire by time; stale ones are dropped when looked up.
 *
 * Each entry says from which request size on it holds (`minHits`): a request of n hits refused by a
 * sliding window or GCRA only proves that requests of n or more hits are refused until then, not smaller
 * ones; a fixed-window counter already past its limit refuses every request, checks (0 hits) included.
 *
 * Each entry also keeps the limit it was learnt under (the op's limit, or GCRA's interval and burst): a hit on
 * the same counter under another limit — a reloaded rule, a plan or override with more requests — asks the
 * store again instead of being refused until the old reset.
 */
export class NearCache {
  private readonly until = new Map<string, { t: number; minHits: number; a: number; tau: number }>();

  constructor(private readonly maxKeys: number) {}

  get size(): number { return this.until.size; }

  /** Expiry (ms since epoch) when the op's request is known over its limit at `now`; 0 otherwise. */
  get(op: CounterOp, now: number): number {
    const e = this.until.get(op.key);
    if (e === undefined) return 0;
    if (e.t <= now) { this.until.delete(op.key); return 0; }
    return op.hits >= e.minHits && e.a === op.a && e.tau === tauOf(op) ? e.t : 0;
  }

  set(op: CounterOp, until: number, minHits: number): void {
    if (this.maxKeys <= 0) return;
    const key = op.key;
    if (!this.until.has(key) && this.until.size >= this.maxKeys) {
      const oldest = this.until.keys().next();
      if (!oldest.done) this.until.delete(oldest.value);
    }
    this.until.set(key, { t: until, minHits, a: op.a, tau: tauOf(op) });
  }

  clear(): void { this.until.clear(); }
}

/** GCRA's burst tolerance is part of its limit; the sliding window's p is a weight that moves with time. */
function tauOf(op: CounterOp): number {
  return op.kind === GCRA ? op.p : 0;
}
