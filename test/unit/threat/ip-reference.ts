// The ipaddr.js-based implementations that src/common/ipv6-text.ts replaced, kept verbatim as the reference
// for the differential tests (ip-ipv6-differential.test.ts) and the "before" column of bench/ip-parse.ts.
import ipaddr from 'ipaddr.js';

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function fromV4(octets: number[]): Uint8Array {
  const b = new Uint8Array(16);
  b.set(V4_MAPPED_PREFIX, 0);
  b[12] = octets[0]!; b[13] = octets[1]!; b[14] = octets[2]!; b[15] = octets[3]!;
  return b;
}

/** The old parseIp without its IPv4 fast path (which agrees with ipaddr.js: ip-fast-path.test.ts). */
export function refParseIp(text: string): Uint8Array | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length === 0 || s.length > 45) return undefined;
  try {
    if (s.includes(':')) {
      if (!ipaddr.IPv6.isValid(s)) return undefined;
      return Uint8Array.from(ipaddr.IPv6.parse(s).toByteArray());
    }
    if (!ipaddr.IPv4.isValidFourPartDecimal(s)) return undefined;
    return fromV4(ipaddr.IPv4.parse(s).toByteArray());
  } catch {
    return undefined;
  }
}

export function refFormatIp(b: Uint8Array): string {
  let mapped = true;
  for (let i = 0; i < 12; i++) if (b[i] !== V4_MAPPED_PREFIX[i]) { mapped = false; break; }
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  return ipaddr.fromByteArray(Array.from(b)).toString();
}

const last = { ip: '', prefix: -1, key: '' };

/** The old clientIpKey, with its one-entry memo. */
export function refClientIpKey(ip: string, prefix: number): string {
  if (!ip.includes(':') || prefix >= 128) return ip;
  if (ip === last.ip && prefix === last.prefix) return last.key;
  const key = refIpv6Key(ip, prefix);
  last.ip = ip; last.prefix = prefix; last.key = key;
  return key;
}

export function refIpv6Key(ip: string, prefix: number): string {
  try {
    const addr = ipaddr.parse(ip);
    if (addr.kind() !== 'ipv6') return ip;
    const v6 = addr as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
    const bytes = v6.toByteArray();
    for (let i = 0; i < 16; i++) {
      const keep = Math.max(0, Math.min(8, prefix - i * 8));
      bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
    }
    return `${ipaddr.fromByteArray(bytes).toString()}/${prefix}`;
  } catch {
    return ip;
  }
}

/** The old banKey (src/threat/bans.ts) on top of refClientIpKey; IPv4 at the default /32. */
export function refBanKey(ip: string, ipv6Prefix = 64): string {
  return ip.includes(':') ? refClientIpKey(ip, ipv6Prefix) : ip;
}
