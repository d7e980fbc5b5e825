import { EventEmitter } from 'node:events';
import type { KvStore } from './types.js';

interface Entry { value: string | Map<string, string>; expiresAt: number }

/** Single-instance store (the embedded default). Expiry is checked on read and swept periodically. */
export class MemoryStore implements KvStore {
  readonly kind = 'memory' as const;
  private readonly data = new Map<string, Entry>();
  private readonly bus = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now, sweepMs = 10_000) {
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

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.data) if (e.expiresAt !== 0 && e.expiresAt <= t) this.data.delete(k);
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    return e === undefined || typeof e.value !== 'string' ? null : e.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.data.set(key, { value, expiresAt: ttlMs ? this.now() + ttlMs : 0 });
  }

  async setNX(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.data.set(key, { value, expiresAt: this.now() + ttlMs });
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
      this.data.set(key, e);
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
