import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface HostAddress { address: string; family: 4 | 6 }
export type Lookup = (host: string) => Promise<{ address: string; family: number }>;

/** How long a looked-up address is used before it is looked up again (in the background). */
export const HOST_REFRESH_MS = 60_000;

/**
 * The collector's address for UDP syslog: looked up once (not per datagram: a lookup per event cost a
 * getaddrinfo on libuv's small thread pool each, and a resolver outage dropped every event), then again in
 * the background when it is `refreshMs` old. A failed refresh keeps the last good address; only the first
 * lookup can fail a send. An IP literal is never looked up.
 */
export class ResolvedHost {
  private last?: HostAddress;
  private at = 0;
  private pending?: Promise<HostAddress>;
  private readonly literal: boolean;

  /** `onStaleError` hears of a failed background refresh (the last good address is kept). */
  constructor(readonly host: string, private readonly onStaleError: (err: Error) => void, private readonly lookup: Lookup = (h) => dnsLookup(h), private readonly now: () => number = Date.now, private readonly refreshMs = HOST_REFRESH_MS) {
    const v = isIP(host);
    this.literal = v !== 0;
    if (this.literal) this.last = { address: host, family: v as 4 | 6 };
  }

  /** The address to send to now. */
  async address(): Promise<HostAddress> {
    if (this.literal) return this.last!;
    if (this.last && this.now() - this.at < this.refreshMs) return this.last;
    if (this.last) { if (!this.pending) this.refresh().catch((err: Error) => this.onStaleError(err)); return this.last; }
    return this.refresh();
  }

  private refresh(): Promise<HostAddress> {
    this.pending ??= this.lookup(this.host).then(
      (r) => {
        this.last = { address: r.address, family: r.family === 6 ? 6 : 4 };
        this.at = this.now();
        return this.last;
      },
      (err: Error) => {
        // a failure is not retried at once for every datagram: the last good address serves until refreshMs passes again
        if (this.last) this.at = this.now();
        throw err;
      },
    ).finally(() => { this.pending = undefined; });
    return this.pending;
  }
}

/** RFC 3986 host syntax in config: `[v6]` → the IPv6 address; other hosts as they are; undefined when bracketed but not IPv6. */
export function unbracketHost(host: string): string | undefined {
  if (!host.startsWith('[') && !host.endsWith(']')) return host;
  const inner = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : '';
  return isIP(inner) === 6 ? inner : undefined;
}

const HOST_NAME = /^[A-Za-z0-9_.-]{1,253}$/;

/**
 * Why `host` (syslog `host:`) cannot be a collector's host, or undefined when it can: a DNS name, an IPv4
 * address, an IPv6 address bare or in brackets. A URL (`udp://…`) or `host:port` would be looked up as a
 * name and fail on every flush, dropping every event: the port has its own setting.
 */
export function hostProblem(host: string): string | undefined {
  const h = unbracketHost(host);
  if (h !== undefined && (isIP(h) !== 0 || HOST_NAME.test(h))) return undefined;
  return 'must be a host name or an IP address (IPv6 bare or in brackets: "::1", "[::1]"), without a scheme or port: the port goes in port';
}
