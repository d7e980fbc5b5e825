import { parseCidr, type Cidr } from './address.js';

export type FeedFormat = 'plain' | 'spamhaus' | 'firehol';

export interface ParsedFeed {
  cidrs: Cidr[];
  /** Lines that were neither blank, comments nor addresses (first few, for the log). */
  invalid: Array<{ line: number; text: string }>;
  invalidCount: number;
  /** Entries too broad to be a listing (0.0.0.0/0, ::/0, 2000::/3 …): refused, counted among the invalid. */
  tooBroad: number;
}

/**
 * No feed lists a network wider than an IPv4 /8 (the largest block IANA ever allocated) or an IPv6 /16: such
 * an entry is a mistake or a poisoned feed, and `0.0.0.0/0` would refuse every client.
 */
export function tooBroad(c: Cidr): boolean {
  if (c.bits < 16) return true;
  if (c.bits >= 104) return false;
  // shorter than /104 and a prefix of ::ffff:0:0/96 (IPv4 lives there: ::/80 or ::/17 hold all of it): wider than an IPv4 /8
  const n = c.bits < 96 ? c.bits : 96;
  for (let i = 0; i < n; i++) if (((c.bytes[i >> 3]! >> (7 - (i & 7))) & 1) !== (i < 80 ? 0 : 1)) return false;
  return true;
}

const MAX_INVALID_KEPT = 5;

/**
 * Parse a threat feed:
 *  - plain: one address or CIDR per line; `#` and `;` start comments; anything after the first blank is ignored.
 *  - spamhaus: DROP/EDROP text (`1.10.16.0/20 ; SBL256894`, header lines start with `;`) or the JSON-lines
 *    form (`{"cidr":"1.10.16.0/20","sblid":…}` plus a `{"type":"metadata"…}` line).
 *  - firehol: netset files (`#` comments, one address or CIDR per line).
 */
export function parseFeed(text: string, format: FeedFormat): ParsedFeed {
  const out: ParsedFeed = { cidrs: [], invalid: [], invalidCount: 0, tooBroad: 0 };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '') continue;
    let entry: string | undefined;
    if (format === 'spamhaus' && line.startsWith('{')) {
      try {
        const obj = JSON.parse(line) as { cidr?: unknown; type?: unknown };
        if (obj.type === 'metadata') continue;
        if (typeof obj.cidr === 'string') entry = obj.cidr;
      } catch { /* counted below */ }
    } else {
      if (line.startsWith('#') || line.startsWith(';') || line.startsWith('//')) continue;
      const cut = line.search(/[\s;#]/);
      if (cut >= 0) line = line.slice(0, cut);
      entry = line;
    }
    const c = entry === undefined ? undefined : parseCidr(entry);
    if (c && !tooBroad(c)) out.cidrs.push(c);
    else {
      if (c) out.tooBroad++;
      out.invalidCount++;
      if (out.invalid.length < MAX_INVALID_KEPT) out.invalid.push({ line: i + 1, text: lines[i]!.slice(0, 80) });
    }
  }
  return out;
}
