import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { clientIpKey } from '../ratelimit/check/key-parts.js';
import type { KvStore } from '../store/types.js';
import { counter } from '../telemetry/metrics.js';

const banChanges = counter('portcullis_threat_bans_total', 'Bans placed and lifted', ['op'] as const);
const banLookups = counter('portcullis_threat_ban_lookups_total', 'Ban checks by where the answer came from', ['source'] as const);

export const BAN_CHANNEL = 'threat:bans';
const KEY_PREFIX = 'threat:ban:';

/** `ip`: what is banned, an IPv4 address or an IPv6 /64 (`2001:db8:1:2::/64`). */
export interface BanRecord { ip: string; until: number; reason: string }

/** IPv6 clients are banned by this prefix: a client owns at least a /64 and can rotate addresses within it. */
export const BAN_IPV6_PREFIX = 64;

/**
 * What a ban on `ip` covers: an IPv4 address as is (also one that arrived IPv4-mapped), an IPv6 address's
 * /64 — the same keying as rate limits `by: ip` (ratelimit's clientIpKey). `ip` in canonical form (formatIp).
 */
export function banKey(ip: string): string {
  return clientIpKey(ip, BAN_IPV6_PREFIX);
}

/**
 * Active bans shared by every replica, keyed by `banKey` (every method takes a client address, or a key):
 * the ban is a store key with a TTL (the authority) and a publish on a channel, so every replica learns of it at once. Each replica keeps answers briefly (`cacheMs` for
 * "not banned", until expiry for "banned"), so a client costs at most one store round trip per `cacheMs`.
 */
export class BanList {
  /** banKey → ban expiry (ms since epoch); 0 = known not banned. */
  private readonly cache: LRUCache<string, number>;
  private unsubscribe?: () => Promise<void>;

  constructor(private readonly store: KvStore, private readonly cacheMs: number, private readonly logger: Logger,
    private readonly now: () => number = Date.now, maxEntries = 100_000) {
    this.cache = new LRUCache<string, number>({ max: maxEntries, ttlAutopurge: false, ttlResolution: 0, perf: { now: () => this.now() } });
  }

  /** Addresses with a cached answer now. */
  get cacheSize(): number { return this.cache.size; }

  async start(): Promise<void> {
    if (this.unsubscribe) return;
    this.unsubscribe = await this.store.subscribe(BAN_CHANNEL, (msg) => this.onMessage(msg));
  }

  async close(): Promise<void> {
    const u = this.unsubscribe;
    this.unsubscribe = undefined;
    await u?.().catch(() => undefined);
  }

  private onMessage(msg: string): void {
    try {
      const m = JSON.parse(msg) as { ip?: unknown; until?: unknown };
      if (typeof m.ip !== 'string' || typeof m.until !== 'number') return;
      this.remember(m.ip, m.until);
    } catch { /* not ours */ }
  }

  private remember(ip: string, until: number): void {
    const t = this.now();
    if (until > t) this.cache.set(ip, until, { ttl: until - t });
    // lru-cache reads a ttl of 0 as "never expires": cache_ms 0 means "never trust a clean answer"
    else if (this.cacheMs > 0) this.cache.set(ip, 0, { ttl: this.cacheMs });
    else this.cache.delete(ip);
  }

  /** Cached answer: ban expiry when banned, 0 when known clean, undefined when the store must be asked. */
  cached(address: string): number | undefined {
    const ip = banKey(address);
    const v = this.cache.get(ip);
    if (v === undefined) return undefined;
    if (v > 0 && v <= this.now()) { this.cache.delete(ip); return undefined; }
    banLookups.inc({ source: 'cache' });
    return v;
  }

  /** Ask the store (one round trip); throws StoreUnavailableError when it cannot answer. */
  async lookup(address: string): Promise<number> {
    const ip = banKey(address);
    banLookups.inc({ source: 'store' });
    const raw = await this.store.get(KEY_PREFIX + ip);
    let until = 0;
    if (raw !== null) {
      try { until = Number((JSON.parse(raw) as BanRecord).until) || 0; } catch { until = 0; }
      if (until === 0) {
        // a ban written without an expiry in the value: use the key's TTL
        const ttl = await this.store.pttl(KEY_PREFIX + ip);
        until = ttl > 0 ? this.now() + ttl : ttl === -1 ? this.now() + 365 * 86_400_000 : 0;
      }
    }
    this.remember(ip, until);
    return until > this.now() ? until : 0;
  }

  /** Ban for ttlMs: store key with TTL, then tell every replica. */
  async ban(address: string, ttlMs: number, reason: string): Promise<void> {
    const ip = banKey(address);
    const until = this.now() + ttlMs;
    this.remember(ip, until);
    const rec: BanRecord = { ip, until, reason: reason.slice(0, 200) };
    await this.store.set(KEY_PREFIX + ip, JSON.stringify(rec), ttlMs);
    await this.store.publish(BAN_CHANNEL, JSON.stringify({ ip, until }));
    banChanges.inc({ op: 'ban' });
    this.logger.info({ client_ip: address, banned: ip, ttl_ms: ttlMs, reason: rec.reason }, 'client banned');
  }

  async unban(address: string): Promise<void> {
    const ip = banKey(address);
    this.remember(ip, 0);
    await this.store.del(KEY_PREFIX + ip);
    await this.store.publish(BAN_CHANNEL, JSON.stringify({ ip, until: 0 }));
    banChanges.inc({ op: 'unban' });
  }

  async get(address: string): Promise<BanRecord | undefined> {
    const raw = await this.store.get(KEY_PREFIX + banKey(address));
    if (raw === null) return undefined;
    try { return JSON.parse(raw) as BanRecord; } catch { return undefined; }
  }
}
