import { Resolver } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import type { Logger } from 'pino';
import { LRUCache } from 'lru-cache';
import { counter } from '../telemetry/metrics.js';

const verifications = counter('portcullis_threat_bot_dns_lookups_total',
  'Forward-confirmed reverse DNS lookups of clients claiming to be a good bot, by result (confirmed, unconfirmed, error, skipped)', ['result'] as const);

export interface BotDnsOptions {
  /** Resolver addresses ("1.1.1.1", "127.0.0.1:5353"); empty = the system's. */
  servers: string[];
  timeoutMs: number;
  /** How long a finished lookup (confirmed or not) is trusted. */
  cacheMs: number;
  /** How long a lookup that failed (timeout, SERVFAIL) is not retried. */
  errorCacheMs: number;
  maxEntries: number;
  /** Lookups in flight at once; a claim beyond that stays unverified for now. */
  maxInFlight: number;
}

export const DEFAULT_BOT_DNS: BotDnsOptions = { servers: [], timeoutMs: 1000, cacheMs: 3_600_000, errorCacheMs: 30_000, maxEntries: 10_000, maxInFlight: 64 };

/** What DNS says of one client address. */
type Entry =
  | { state: 'pending' }
  | { state: 'done'; hosts: readonly string[] }
  | { state: 'error' };

export type DnsVerdict = 'confirmed' | 'unconfirmed' | 'unknown';

/** Host names are compared lower-case, without a trailing dot. */
function clean(host: string): string {
  const h = host.toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** `host` is `domain` or a name under it (label boundary: `evilgooglebot.com` is not under `googlebot.com`). */
export function underDomain(host: string, domain: string): boolean {
  return host === domain || (host.length > domain.length && host.endsWith(domain) && host.charCodeAt(host.length - domain.length - 1) === 46);
}

/**
 * Forward-confirmed reverse DNS, as search engines document for verifying their crawlers: the client
 * address's PTR names, kept only when the name resolves back to that address. Lookups run in the
 * background and never hold a Check: until one finishes the claim is simply unverified. Results are
 * cached per address (bounded LRU with a TTL); errors are cached briefly so a dead resolver is not hammered.
 */
export class BotDnsVerifier {
  private readonly cache: LRUCache<string, Entry>;
  private readonly resolver: Resolver;
  private inFlight = 0;

  constructor(readonly opts: BotDnsOptions, private readonly logger?: Logger) {
    this.cache = new LRUCache<string, Entry>({ max: opts.maxEntries, ttl: opts.cacheMs, ttlAutopurge: false });
    this.resolver = new Resolver({ timeout: opts.timeoutMs, tries: 1 });
    if (opts.servers.length > 0) this.resolver.setServers(opts.servers);
  }

  /** Does DNS put `ip` under one of `domains`? Starts a lookup when none is cached. */
  verdict(client: string, domains: readonly string[]): DnsVerdict {
    const c = canonicalIp(client);
    if (c === undefined) return 'unknown';
    const e = this.cache.get(c.ip);
    if (e === undefined) { this.start(c.ip, c.family); return 'unknown'; }
    if (e.state !== 'done') return 'unknown';
    for (const h of e.hosts) for (const d of domains) if (underDomain(h, d)) return 'confirmed';
    return 'unconfirmed';
  }

  /** Resolves when no lookup is in flight (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private start(ip: string, family: 4 | 6): void {
    if (this.inFlight >= this.opts.maxInFlight) { verifications.inc({ result: 'skipped' }); return; }
    this.inFlight++;
    this.cache.set(ip, { state: 'pending' }, { ttl: this.opts.timeoutMs * 6 });
    this.lookup(ip, family)
      .then((hosts) => {
        this.cache.set(ip, { state: 'done', hosts });
        verifications.inc({ result: hosts.length > 0 ? 'confirmed' : 'unconfirmed' });
      })
      .catch((err: NodeJS.ErrnoException) => {
        this.cache.set(ip, { state: 'error' }, { ttl: this.opts.errorCacheMs });
        verifications.inc({ result: 'error' });
        this.logger?.warn({ client_ip: ip, code: err.code }, 'reverse DNS lookup of a claimed good bot failed');
      })
      .finally(() => { this.inFlight--; });
  }

  /** PTR names of `ip` that resolve back to it (at most 4 names tried). */
  private async lookup(ip: string, family: 4 | 6): Promise<string[]> {
    let names: string[];
    try {
      // resolvePtr, not reverse(): reverse() reports a timeout or SERVFAIL as ENOTFOUND, a refutation
      names = await this.resolver.resolvePtr(reverseName(ip));
    } catch (err) {
      if (isNoAnswer(err)) return [];
      throw err;
    }
    const confirmed: string[] = [];
    for (const raw of names.slice(0, 4)) {
      const host = clean(raw);
      let addrs: string[];
      try {
        addrs = family === 4 ? await this.resolver.resolve4(host) : await this.resolver.resolve6(host);
      } catch (err) {
        if (isNoAnswer(err)) continue;
        throw err;
      }
      if (addrs.some((a) => canonicalIp(a)?.ip === ip)) confirmed.push(host);
    }
    return confirmed;
  }
}

/** An authoritative "no such name / no such record": a finished answer, not an error. */
function isNoAnswer(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

/** The in-addr.arpa / ip6.arpa name of an address. */
export function reverseName(ip: string): string {
  const a = ipaddr.parse(ip);
  if (a.kind() === 'ipv4') return `${a.toByteArray().reverse().join('.')}.in-addr.arpa`;
  const hex = a.toByteArray().map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${[...hex].reverse().join('.')}.ip6.arpa`;
}

/** The address in canonical text (IPv4-mapped IPv6 as IPv4), or undefined when it is not an address. */
export function canonicalIp(s: string): { ip: string; family: 4 | 6 } | undefined {
  if (!ipaddr.isValid(s)) return undefined;
  let a = ipaddr.parse(s);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  return a.kind() === 'ipv4' ? { ip: a.toString(), family: 4 } : { ip: (a as ipaddr.IPv6).toNormalizedString(), family: 6 };
}
