import type { Finding } from '../pipeline/context.js';

/** Entries and length of `x-portcullis-risk-findings`. */
const MAX_ENTRIES = 8;
const MAX_LENGTH = 512;
const HEX = '0123456789ABCDEF';
/** Anything but visible ASCII (0x21–0x7E), and '%' (the escape) and ',' (the entry separator). */
const UNSAFE = /[^\x21-\x24\x26-\x2b\x2d-\x7e]/;

/**
 * A request-derived string made fit for a header value: visible ASCII only. Controls (CR, LF, NUL),
 * spaces, non-ASCII, '%' and ',' are percent-encoded as UTF-8 (`a b,c` → `a%20b%2Cc`).
 */
export function headerToken(s: string): string {
  if (!UNSAFE.test(s)) return s;
  let out = '';
  for (const ch of s) {
    if (!UNSAFE.test(ch)) { out += ch; continue; }
    for (const b of Buffer.from(ch, 'utf8')) out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** `family@where,…` of the first findings, each part a header token, at most MAX_LENGTH characters. */
export function findingsHeaderValue(findings: readonly Finding[]): string {
  let out = '';
  for (let i = 0; i < findings.length && i < MAX_ENTRIES; i++) {
    const f = findings[i]!;
    out += `${i > 0 ? ',' : ''}${headerToken(f.family)}@${headerToken(f.where)}`;
    if (out.length >= MAX_LENGTH) break;
  }
  if (out.length <= MAX_LENGTH) return out;
  out = out.slice(0, MAX_LENGTH);
  // never end on half an escape
  const pct = out.lastIndexOf('%');
  return pct >= 0 && pct > MAX_LENGTH - 3 ? out.slice(0, pct) : out;
}
