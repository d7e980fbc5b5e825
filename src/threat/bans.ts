import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { clientIpKey } from '../ratelimit/check/key-parts.js';
import { parseIp } from './ip/address.js';
import type { KvStore } from '../store/types.js';
import { counter } from '../telemetry/metrics.js';
import { subscribeWithRetry } from '../identity/retry.js';

const banChanges = counter('portcullis_threat_bans_total', 'Bans placed and lifted', ['op'] as const);
const banLookups = counter('portcullis_threat_ban_lookups_total', 'Ban checks by where the answer came from', ['source'] as const);

export const BAN_CHANNEL = 'threat:bans';
const KEY_PREFIX = 'threat:ban:';

/** `ip`: what is banned, an IPv4 address or prefix, an IPv6 address or prefix (`2001:db8:1:2::/64`). */
export interface BanRecord { ip: string; until: number; reason: string }

/** `threat.ban.ipv4_prefix_length` / `ipv6_prefix_length`: how much of the address space around a client a ban covers. */
export interface BanPrefixes { ipv4: number; ipv6: number }

/**
 * By default an IPv4 client is banned by its address, an IPv6 client by its /64: it owns at least that much
 * and can rotate addresses within it.
 */
export const DEFAULT_BAN_PREFIXES: Readonly<BanPrefixes> = { ipv4: 32, ipv6: 64 };

/**
 * What a ban on `ip` covers: an IPv4 address (also one that arrived IPv4-mapped) as is at /32, else its
 * network (`203.0.113.0/24`); an IPv6 address's network (`2001:db8:1:2::/64`, the same keying as rate
 * limits `by: ip`, ratelimit's clientIpKey), or the address itself at /128. `ip` in canonical form (formatIp).
 */
export function banKey(ip: string, p: Readonly<BanPrefixes> = DEFAULT_BAN_PREFIXES): string {
  if (ip.includes(':')) return clientIpKey(ip, p.ipv6);
  return p.ipv4 >= 32 ? ip : ipv4Key(ip, p.ipv4);
}

function ipv4Key(ip: string, prefix: number): string {
  const b = parseIp(ip);
  if (!b) return ip;
  const n = ((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) & (prefix === 0 ? 0 : (-1 << (32 - prefix)));
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${prefix}`;
}

/**
 * Active bans shared by every replica, keyed by `banKey` (every method takes a client address, or a key):
 * the ban is a store key with a TTL (the authority) and a publish on a channel, so every replica learns of it at once. Each replica keeps answers briefly (`cacheMs` for
 * "not banned", until expiry for "banned"), so a client costs at most one store round trip per `cacheMs`.
 */
export class BanList {
  /** banKey → ban expiry (ms since epoch); 0 = known not banned. */
  private readonly cache: LRUCache<string, number>;
  private subscription?: { stop(): Promise<void> };

  constructor(private readonly store: KvStore, private readonly cacheMs: number, private readonly logger: Logger,
    private readonly now: () => number = Date.now, maxEntries = 100_000, readonly prefixes: Readonly<BanPrefixes> = DEFAULT_BAN_PREFIXES) {
    this.cache = new LRUCache<string, number>({ max: maxEntries, ttlAutopurge: false, ttlResolution: 0, perf: { now: () => this.now() } });
  }

  /** Addresses with a cached answer now. */
  get cacheSize(): number { return this.cache.size; }

  /**
   * Subscribes to ban updates. Resolves after the first attempt; while the store cannot take the subscription
   * (Redis down at start) it retries in the background, bans still read from the store meanwhile. Without the
   * retry a replica started during an outage never learnt of a lifted ban, and refused that client until the
   * ban's expiry.
   */
  async start(): Promise<void> {
    if (this.subscription !== undefined) return;
    // once subscribed, and after a lost connection (a lifted ban may have been missed): forget every cached
    // answer (each client then costs one store read, as after a start) rather than refuse a client until its
    // ban's original expiry
    const s = subscribeWithRetry(this.store, BAN_CHANNEL, (msg) => this.onMessage(msg), this.logger, () => this.cache.clear());
    this.subscription = s;
    await s.first;
  }

  async close(): Promise<void> {
    const s = this.subscription;
    this.subscription = undefined;
    await s?.stop();
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
    const ip = banKey(address, this.prefixes);
    const v = this.cache.get(ip);
    if (v === undefined) return undefined;
    if (v > 0 && v <= this.now()) { this.cache.delete(ip); return undefined; }
    banLookups.inc({ source: 'cache' });
    return v;
  }

  /** Ask the store (one round trip); throws StoreUnavailableError when it cannot answer. */
  async lookup(address: string): Promise<number> {
    const ip = banKey(address, this.prefixes);
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
    const ip = banKey(address, this.prefixes);
    const until = this.now() + ttlMs;
    this.remember(ip, until);
    const rec: BanRecord = { ip, until, reason: reason.slice(0, 200) };
    await this.store.set(KEY_PREFIX + ip, JSON.stringify(rec), ttlMs);
    await this.store.publish(BAN_CHANNEL, JSON.stringify({ ip, until }));
    banChanges.inc({ op: 'ban' });
    this.logger.info({ client_ip: address, banned: ip, ttl_ms: ttlMs, reason: rec.reason }, 'client banned');
  }

  async unban(address: string): Promise<void> {
    const ip = banKey(address, this.prefixes);
    this.remember(ip, 0);
    await this.store.del(KEY_PREFIX + ip);
    await this.store.publish(BAN_CHANNEL, JSON.stringify({ ip, until: 0 }));
    banChanges.inc({ op: 'unban' });
  }

  async get(address: string): Promise<BanRecord | undefined> {
    const raw = await this.store.get(KEY_PREFIX + banKey(address, this.prefixes));
    if (raw === null) return undefined;
    try { return JSON.parse(raw) as BanRecord; } catch { return undefined; }
  }
}
