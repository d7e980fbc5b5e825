import { EventEmitter } from 'node:events';
import { counter } from '../telemetry/metrics.js';
import { StoreUnavailableError, type KvStore } from './types.js';

const evictions = counter('portcullis_store_memory_evictions_total', 'Keys with a TTL dropped before their expiry because the memory store reached store.max_keys');

/** Default cap on the memory store's keys (~100-300 bytes each: bans, signature nonces, SAML assertion IDs). */
export const DEFAULT_MEMORY_MAX_KEYS = 1_000_000;

interface Entry { value: string | Map<string, string>; expiresAt: number }

/**
 * Single-instance store (the embedded default). Expiry is checked on read and swept periodically.
 * Bounded: keys are written for what clients do (a ban per offending address, a nonce per signed request),
 * so past `maxKeys` a new key makes room by dropping the oldest key written with `set` and a TTL (a ban),
 * counted in portcullis_store_memory_evictions_total. Two kinds are never dropped before they expire:
 * keys without a TTL (the revocation list; only operators write them) and claims made with `setNX`
 * (signature nonces, SAML assertion IDs) — dropping a claim would let its request be replayed. When only
 * such keys are left, a write fails with StoreUnavailableError and its caller fails closed.
 */
export class MemoryStore implements KvStore {
  readonly kind = 'memory' as const;
  private readonly data = new Map<string, Entry>();
  /** Keys that may be dropped to make room, oldest first (set with a TTL; never claims or permanent keys). */
  private readonly evictable = new Set<string>();
  private readonly bus = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;
  evictions = 0;
  private lastFullSweep = -Infinity;

  constructor(private readonly now: () => number = Date.now, sweepMs = 10_000, private readonly maxKeys = DEFAULT_MEMORY_MAX_KEYS) {
    this.bus.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), sweepMs);
    this.sweeper.unref();
  }

  private live(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt !== 0 && e.expiresAt <= this.now()) { this.drop(key); return undefined; }
    return e;
  }

  get size(): number { return this.data.size; }

  private drop(key: string): void {
    this.data.delete(key);
    this.evictable.delete(key);
  }

  /** Room for one more key: expired keys go first, then the oldest evictable key; none left → unavailable. */
  private makeRoom(): void {
    if (this.data.size < this.maxKeys) return;
    const t = this.now();
    const oldest = this.evictable.values().next();
    if (oldest.done) {
      // only claims and permanent keys: some claims may have expired (a full pass, at most once a second)
      if (t - this.lastFullSweep >= 1000) { this.lastFullSweep = t; this.sweep(); }
      if (this.data.size < this.maxKeys) return;
      throw new StoreUnavailableError(`memory store full (store.max_keys ${this.maxKeys}) with keys that may not be dropped before they expire`);
    }
    const e = this.data.get(oldest.value);
    this.drop(oldest.value);
    if (e !== undefined && e.expiresAt > t) { this.evictions++; evictions.inc(); }
  }

  private put(key: string, e: Entry, evictable: boolean): void {
    if (!this.data.has(key)) this.makeRoom();
    this.data.set(key, e);
    if (evictable) { this.evictable.delete(key); this.evictable.add(key); } else this.evictable.delete(key);
  }

  /** Expired keys out (the sweep timer; and when only undroppable keys fill the store, at most once a second). */
  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.data) if (e.expiresAt !== 0 && e.expiresAt <= t) this.drop(k);
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    return e === undefined || typeof e.value !== 'string' ? null : e.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.put(key, { value, expiresAt: ttlMs ? this.now() + ttlMs : 0 }, ttlMs !== undefined && ttlMs > 0);
  }

  async setNX(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.put(key, { value, expiresAt: this.now() + ttlMs }, false);
    return true;
  }

  async del(key: string): Promise<void> { this.drop(key); }

  async pttl(key: string): Promise<number> {
    const e = this.live(key);
    if (e === undefined) return -2;
    return e.expiresAt === 0 ? -1 : e.expiresAt - this.now();
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    const e = this.live(key);
    return e !== undefined && e.value instanceof Map ? Object.fromEntries(e.value) : {};
  }

  async hset(key: string, field: string, value: string): Promise<void> {
    let e = this.live(key);
    if (e === undefined || !(e.value instanceof Map)) {
      e = { value: new Map(), expiresAt: 0 };
      this.put(key, e, false);
    }
    (e.value as Map<string, string>).set(field, value);
  }

  async hdel(key: string, ...fields: string[]): Promise<void> {
    const e = this.live(key);
    if (e === undefined || !(e.value instanceof Map)) return;
    for (const f of fields) e.value.delete(f);
  }

  async publish(channel: string, message: string): Promise<void> {
    queueMicrotask(() => this.bus.emit(channel, message));
  }

  /** In-process: never disconnected, so `onResubscribed` is never called. */
  async subscribe(channel: string, handler: (message: string) => void, _onResubscribed?: () => void): Promise<() => Promise<void>> {
    this.bus.on(channel, handler);
    return async () => { this.bus.off(channel, handler); };
  }

  ready(): boolean { return true; }

  async close(): Promise<void> { clearInterval(this.sweeper); this.data.clear(); this.evictable.clear(); this.bus.removeAllListeners(); }
}
