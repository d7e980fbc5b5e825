/**
 * Counters known to be over their limit, until their reset: an attack burst on one key is answered
 * locally instead of reaching the store (envoyproxy/ratelimit's "local cache"). Bounded; the oldest entry
 * goes first when full. Entries expire by time; stale ones are dropped when looked up.
 *
 * Each entry says from which request size on it holds (`minHits`): a request of n hits refused by a
 * sliding window or GCRA only proves that requests of n or more hits are refused until then, not smaller
 * ones; a fixed-window counter already past its limit refuses every request, checks (0 hits) included.
 */
export class NearCache {
  private readonly until = new Map<string, { t: number; minHits: number }>();

  constructor(private readonly maxKeys: number) {}

  get size(): number { return this.until.size; }

  /** Expiry (ms since epoch) when a request of `hits` on `key` is known over limit at `now`; 0 otherwise. */
  get(key: string, now: number, hits: number): number {
    const e = this.until.get(key);
    if (e === undefined) return 0;
    if (e.t <= now) { this.until.delete(key); return 0; }
    return hits >= e.minHits ? e.t : 0;
  }

  set(key: string, until: number, minHits: number): void {
    if (this.maxKeys <= 0) return;
    if (!this.until.has(key) && this.until.size >= this.maxKeys) {
      const oldest = this.until.keys().next();
      if (!oldest.done) this.until.delete(oldest.value);
    }
    this.until.set(key, { t: until, minHits });
  }

  clear(): void { this.until.clear(); }
}
