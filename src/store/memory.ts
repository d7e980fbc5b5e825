import { EventEmitter } from 'node:events';
import { counter } from '../telemetry/metrics.js';
import type { KvStore } from './types.js';

const evictions = counter('portcullis_store_memory_evictions_total', 'Keys with a TTL dropped before their expiry because the memory store reached store.max_keys');

/** Default cap on the memory store's keys (~100-300 bytes each: bans, signature nonces, SAML assertion IDs). */
export const DEFAULT_MEMORY_MAX_KEYS = 1_000_000;

interface Entry { value: string | Map<string, string>; expiresAt: number }

/**
 * Single-instance store (the embedded default). Expiry is checked on read and swept periodically.
 * Bounded: keys are written for what clients do (a ban per offending address, a nonce per signed request),
 * so past `maxKeys` a new key makes room by dropping the oldest key that has a TTL (counted in
 * portcullis_store_memory_evictions_total), as Redis's volatile-lru would. Keys without a TTL (the
 * revocation list) are never dropped; only operators write them.
 */
export class MemoryStore implements KvStore {
  readonly kind = 'memory' as const;
  private readonly data = new Map<string, Entry>();
  private readonly bus = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;
  evictions = 0;

  constructor(private readonly now: () => number = Date.now, sweepMs = 10_000, private readonly maxKeys = DEFAULT_MEMORY_MAX_KEYS) {
    this.bus.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), sweepMs);
    this.sweeper.unref();
  }

  private live(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt !== 0 && e.expiresAt <= this.now()) { this.data.delete(key); return undefined; }
    return e;
  }

  get size(): number { return this.data.size; }

  /** Room for one more key: drop an expired key or else the oldest one with a TTL (insertion order). */
  private makeRoom(): void {
    if (this.data.size < this.maxKeys) return;
    const t = this.now();
    for (const [k, e] of this.data) {
      if (e.expiresAt === 0) continue;
      this.data.delete(k);
      if (e.expiresAt > t) { this.evictions++; evictions.inc(); }
      return;
    }
  }

  private put(key: string, e: Entry): void {
    if (!this.data.has(key)) this.makeRoom();
    this.data.set(key, e);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.data) if (e.expiresAt !== 0 && e.expiresAt <= t) this.data.delete(k);
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    return e === undefined || typeof e.value !== 'string' ? null : e.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.put(key, { value, expiresAt: ttlMs ? this.now() + ttlMs : 0 });
  }

  async setNX(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.put(key, { value, expiresAt: this.now() + ttlMs });
    return true;
  }

  async del(key: string): Promise<void> { this.data.delete(key); }

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
      this.put(key, e);
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

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    this.bus.on(channel, handler);
    return async () => { this.bus.off(channel, handler); };
  }

  ready(): boolean { return true; }

  async close(): Promise<void> { clearInterval(this.sweeper); this.data.clear(); this.bus.removeAllListeners(); }
}
