/**
 * IPv6 text ⇄ 16 bytes without allocation-heavy parsing, for the Check hot path (every request from an IPv6
 * client parses and formats its address). Accepts and refuses exactly what ipaddr.js 2.x
 * (`IPv6.isValid` + `IPv6.parse`, the implementation this replaces) does on text without a zone id, and gives
 * the same bytes; test/unit/threat/ip-ipv6-differential.test.ts checks that against ipaddr.js. That includes
 * ipaddr.js's leniency on an embedded IPv4 tail: decimal octets may have leading zeros (`::ffff:01.2.3.4` is
 * 1.2.3.4) or be hex (`::ffff:0x7f.0.0.1`), and `::a.b.c.d` (the deprecated IPv4-compatible form) reads as
 * the IPv4-mapped `::ffff:a.b.c.d`.
 */

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** One octet of an IPv4 tail as ipaddr.js reads it: `\d+` decimal (leading zeros allowed) or `0x[0-9a-f]+`. */
function v4Octet(s: string, from: number, to: number): number {
  if (from >= to) return -1;
  let v = 0;
  if (to - from > 2 && s.charCodeAt(from) === 48 && (s.charCodeAt(from + 1) | 0x20) === 120) {
    for (let i = from + 2; i < to; i++) {
      const d = hexDigit(s.charCodeAt(i));
      if (d < 0) return -1;
      v = v * 16 + d;
      if (v > 255) return -1;
    }
    return v;
  }
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
    if (v > 255) return -1;
  }
  return v;
}

/** `a.b.c.d` in s[from, to) into out[12..15]; false when it is not one. */
function v4Tail(s: string, from: number, to: number, out: Uint8Array): boolean {
  let part = 0, start = from;
  for (let i = from; i <= to; i++) {
    if (i < to && s.charCodeAt(i) !== 46) continue;
    if (part > 3) return false;
    const v = v4Octet(s, start, i);
    if (v < 0) return false;
    out[12 + part++] = v;
    start = i + 1;
  }
  return part === 4;
}

/**
 * IPv6 address text in s[from, to) (no brackets, no zone id) → 16 bytes, or undefined when it is not one.
 */
export function parseIpv6(s: string, from = 0, to = s.length): Uint8Array | undefined {
  // groups are written from the front of out as they come; those after a `::` move to the back at the end
  const out = new Uint8Array(16);
  let n = 0;            // groups written
  let gap = -1;         // how many groups stand before the `::`
  let tail = false;     // ends in an IPv4 tail (bytes 12..15 of out)
  let i = from;
  if (i >= to) return undefined;
  if (s.charCodeAt(i) === 58) {
    if (i + 1 >= to || s.charCodeAt(i + 1) !== 58) return undefined;
    gap = 0; i += 2;
    if (i === to) return out;
    if (s.charCodeAt(i) === 58) return undefined;
  }
  for (;;) {
    // one group: up to the next ':' or the end
    let j = i, v = 0, hex = true;
    for (; j < to; j++) {
      const c = s.charCodeAt(j);
      if (c === 58) break;
      const d = hexDigit(c);
      if (d < 0) hex = false; else v = v * 16 + d;
    }
    if (j === i) return undefined;
    if (hex && j - i <= 4) {
      if (n === 8) return undefined;
      out[2 * n] = v >>> 8; out[2 * n + 1] = v & 0xff; n++;
    } else {
      // not a hex group: only an IPv4 tail, at the very end, may stand here
      if (j !== to || n > 6 || !v4Tail(s, i, to, out)) return undefined;
      tail = true;
      break;
    }
    if (j === to) break;
    i = j + 1;
    if (i === to) return undefined;                          // a trailing single ':'
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined;                        // a second '::'
      gap = n; i++;
      if (i === to) break;                                   // a trailing '::'
      if (s.charCodeAt(i) === 58) return undefined;          // ':::'
    }
  }
  if (tail && gap === 0 && n === 0) {
    // `::a.b.c.d`: ipaddr.js reads the deprecated IPv4-compatible form as IPv4-mapped
    out[10] = 0xff; out[11] = 0xff;
    return out;
  }
  const total = n + (tail ? 2 : 0);
  if (gap < 0 ? total !== 8 : total > 7) return undefined;
  if (gap >= 0) {
    // the groups after the gap end where the tail (or the address) starts; zeros between
    const end = 2 * (tail ? 6 : 8), src = 2 * gap, len = 2 * n - src, dst = end - len;
    for (let k = len - 1; k >= 0; k--) out[dst + k] = out[src + k]!;
    for (let k = src; k < dst; k++) out[k] = 0;
  }
  return out;
}

/**
 * RFC 5952 text of 16 bytes, as ipaddr.js's `toString()`: lower-case hex without leading zeros, the longest
 * run of two or more zero groups (the first of equal runs) as `::`, never a dotted IPv4 tail.
 */
export function formatIpv6(b: Uint8Array): string {
  let bestAt = -1, bestLen = 1;
  for (let k = 0; k < 8;) {
    if (b[2 * k] !== 0 || b[2 * k + 1] !== 0) { k++; continue; }
    let e = k + 1;
    while (e < 8 && b[2 * e] === 0 && b[2 * e + 1] === 0) e++;
    if (e - k > bestLen) { bestAt = k; bestLen = e - k; }
    k = e;
  }
  let out = '';
  let sep = false;
  for (let k = 0; k < 8; k++) {
    if (k === bestAt) { out += '::'; k += bestLen - 1; sep = false; continue; }
    const hi = b[2 * k]!, lo = b[2 * k + 1]!;
    out += (sep ? ':' : '') + (hi === 0 ? HEX[lo] : HEX[hi]! + HEX2[lo]!);
    sep = true;
  }
  return out;
}

/** The dotted IPv4 text of an IPv4-mapped address (`::ffff:a.b.c.d`), or undefined when it is not one. */
export function mappedIpv4(b: Uint8Array): string | undefined {
  if (b[10] !== 0xff || b[11] !== 0xff) return undefined;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return undefined;
  return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
}

/** A byte in hex without leading zeros / as two digits. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16));
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
