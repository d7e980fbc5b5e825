/**
 * Counters known to be over their limit, until their reset: an attack burst on one key is answered
 * locally instead of reaching the store (envoyproxy/ratelimit's "local cache"). Bounded; the oldest entry
 * goes first when full. Entries expire by time; stale ones are dropped when looked up.
 */
export class NearCache {
  private readonly until = new Map<string, number>();

  constructor(private readonly maxKeys: number) {}

  get size(): number { return this.until.size; }

  /** Expiry (ms since epoch) when `key` is known over limit at `now`; 0 otherwise. */
  get(key: string, now: number): number {
    const t = this.until.get(key);
    if (t === undefined) return 0;
    if (t <= now) { this.until.delete(key); return 0; }
    return t;
  }

  set(key: string, until: number): void {
    if (this.maxKeys <= 0) return;
    if (!this.until.has(key) && this.until.size >= this.maxKeys) {
      const oldest = this.until.keys().next();
      if (!oldest.done) this.until.delete(oldest.value);
    }
    this.until.set(key, until);
  }

  clear(): void { this.until.clear(); }
}
