import { formatIpv6, mappedIpv4, parseIpv6 } from '../../common/ipv6-text.js';
import type { RequestContext } from '../../pipeline/context.js';
import { DEFAULT_OWNED, forwardedHeader } from '../../pipeline/owned-headers.js';
import type { OwnedHeaders } from '../../pipeline/respond.js';
import { isCredentialKey } from '../envoy-config/extensions.js';

/** What a Check limit is keyed by: ip | subject | plan | route | header:<name>. */
export type KeyPart = (ctx: RequestContext) => string | undefined;

export const KEY_PART_PATTERN = '^(ip|subject|plan|route|header:[A-Za-z0-9!#$%&\'*+.^_`|~-]+)$';

export interface CompiledPart { fn: KeyPart; redact: boolean }

/**
 * `header:<name>` reads the header as the upstream will receive it: for a header Portcullis owns (identity's
 * forward headers, x-portcullis-*) the value a stage set (the verified subject), never the client's copy —
 * which a client could rotate for a fresh bucket, or set to another user's id to use up theirs.
 */
export function compilePart(spec: string, ipv6PrefixLength: number, owned: OwnedHeaders = DEFAULT_OWNED): CompiledPart {
  switch (spec) {
    case 'ip': return { fn: ipPart(ipv6PrefixLength), redact: false };
    case 'subject': return { fn: (ctx) => nonEmpty(ctx.identity?.subject), redact: false };
    case 'plan': return { fn: (ctx) => nonEmpty(ctx.identity?.plan), redact: false };
    case 'route': return { fn: (ctx) => ctx.route, redact: false };
    default: {
      const name = spec.slice('header:'.length).toLowerCase();
      return { fn: (ctx) => forwardedHeader(ctx, owned, name), redact: isCredentialKey(name) };
    }
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

/**
 * Client IP (ctx.client.ip, already resolved from Envoy's source address / trusted X-Forwarded-For hops),
 * keyed by `clientIpKey`.
 */
function ipPart(prefix: number): KeyPart {
  return (ctx) => {
    const ip = ctx.client.ip;
    return ip ? clientIpKey(ip, prefix) : undefined;
  };
}

/**
 * The key of a client address: IPv4 as is (also when it arrived IPv4-mapped); IPv6 by its /`prefix` network
 * (`2001:db8:1:2::/64`; /64 is one subscriber's allocation), so an attacker cannot step through addresses of
 * one prefix to dodge a per-IP limit (or a ban: the threat module keys bans the same way). Not an address: as is.
 */
export function clientIpKey(ip: string, prefix: number): string {
  if (!ip.includes(':') || prefix >= 128) return ip;
  // one request asks for its client's key several times (ban cache, ban lookup, per-IP limits): the last
  // IPv6 answer is kept, so the address is parsed once
  if (ip === last.ip && prefix === last.prefix) return last.key;
  const key = ipv6Key(ip, prefix);
  last.ip = ip; last.prefix = prefix; last.key = key;
  return key;
}

const last = { ip: '', prefix: -1, key: '' };

/** ZoneID chars ipaddr.js (which this replaces) accepts after `%`: [0-9a-z]+, any case. */
function zoneOk(ip: string, from: number): boolean {
  if (from >= ip.length) return false;
  for (let i = from; i < ip.length; i++) {
    const c = ip.charCodeAt(i), l = c | 0x20;
    if (!((c >= 48 && c <= 57) || (l >= 97 && l <= 122 && c >= 65))) return false;
  }
  return true;
}

function ipv6Key(ip: string, prefix: number): string {
  // the address as ipaddr.parse read it: an IPv6 text with an optional zone id (dropped); anything else as is
  const zone = ip.indexOf('%');
  if (zone >= 0 && !zoneOk(ip, zone + 1)) return ip;
  const bytes = parseIpv6(ip, 0, zone >= 0 ? zone : ip.length);
  if (!bytes) return ip;
  const v4 = mappedIpv4(bytes);
  if (v4 !== undefined) return v4;
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return `${formatIpv6(bytes)}/${prefix}`;
}
