import { formatIpv6, mappedIpv4, parseIpv6 } from '../../common/ipv6-text.js';

/**
 * IP addresses as 16 bytes: IPv6 as is, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one trie holds both
 * families and `::ffff:10.0.0.1` is the same client as `10.0.0.1`.
 */
export type IpBytes = Uint8Array;

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Strict dotted-quad IPv4 (four decimal parts 0-255, no leading zeros) without allocation-heavy parsing. */
function fastV4(s: string): IpBytes | undefined {
  const b = new Uint8Array(16);
  b.set(V4_MAPPED_PREFIX, 0);
  let part = 0, value = 0, digits = 0, lead0 = false;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // end acts as a final '.'
    if (c === 46) {
      if (digits === 0 || (lead0 && digits > 1) || value > 255 || part > 3) return undefined;
      b[12 + part++] = value;
      value = 0; digits = 0; lead0 = false;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) lead0 = c === 48;
      if (++digits > 3) return undefined;
      value = value * 10 + (c - 48);
    } else return undefined;
  }
  return part === 4 ? b : undefined;
}

/** Parse a textual address (brackets and an IPv6 zone are ignored); undefined when it is not one. */
export function parseIp(text: string): IpBytes | undefined {
  if (text.length >= 7 && text.length <= 15) {
    const v4 = fastV4(text);
    if (v4) return v4;
  }
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length === 0 || s.length > 45) return undefined;
  // hand-written scanners (src/common/ipv6-text.ts; fastV4): the same answers as ipaddr.js's
  // IPv6.isValid + parse / IPv4.isValidFourPartDecimal, at a fraction of the cost (this runs on every Check)
  return s.includes(':') ? parseIpv6(s) : fastV4(s);
}

export interface Cidr { bytes: IpBytes; /** prefix length in the 128-bit space */ bits: number }

/** `10.0.0.0/8`, `2001:db8::/32`, `::ffff:10.0.0.0/104`, or a single address (/32, /128). */
export function parseCidr(text: string): Cidr | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  const v4 = !addr.includes(':');
  const max = v4 ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    len = Number(p);
    if (len > max) return undefined;
  }
  return { bytes, bits: v4 ? 96 + len : len };
}

/** Canonical text for logs and ban keys: dotted quad for IPv4 (also when it arrived IPv4-mapped). */
export function formatIp(b: IpBytes): string {
  return mappedIpv4(b) ?? formatIpv6(b);
}

/** Canonical form of an address string, or the input when it is not an address. */
export function canonicalIp(text: string): string {
  const b = parseIp(text);
  return b ? formatIp(b) : text;
}
