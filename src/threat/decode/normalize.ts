import { C_AMP, C_BACKSLASH, C_PERCENT, C_PLUS, C_SPACE_A, C_WIDE, charClasses } from './charclass.js';
import { decodeEntities } from './entities.js';
import { decodeBackslashEscapes, decodeUtf7 } from './escapes.js';
import { collapsePercent, hasNibbleEscape, hasPercentEscape, hasUnicodeEscape, percentDecodeOnce } from './percent.js';

/**
 * One inspected value, decoded as attackers encode. `url` is percent-decoded repeatedly (bounded) with
 * look-alike separators folded to ASCII: what a file system or shell ends up seeing. `full` additionally
 * decodes backslash escapes, HTML character references and UTF-7: what an HTML/JS/SQL parser ends up
 * seeing. The counters are evasion evidence no honest client produces.
 */
export interface Decoded {
  raw: string;
  url: string;
  full: string;
  /** Percent-decoding rounds that changed something (1 = encoded once). */
  depth: number;
  overlong: number;
  invalid: number;
  unicode: number;
  /** The value read as base64, when it is base64 of printable text (payloads smuggled that way). */
  base64?: string;
  /** charClasses() of `url` and of `full`: which syntax characters each holds (see charclass.ts). */
  urlClasses: number;
  fullClasses: number;
  /** `full` lower-cased, once, by the first detector that asks (lowerFull). */
  lower?: string;
}

/** d.full lower-cased: computed once per value, shared by the detectors that read it so. */
export function lowerFull(d: Decoded): string {
  return d.lower ??= d.full.toLowerCase();
}

export const MAX_URL_ROUNDS = 4;
const SPACED_UTF7 = / (?=A[C-H][A-Za-z0-9/]{1,6}-)/g;
const SPACED_UTF7_ONE = / A[C-H][A-Za-z0-9/]{1,6}-/g;
/** How many (up to 2) space-led UTF-7 shifts a value holds; each match attempt is bounded, so linear. */
function spacedUtf7Shifts(s: string): number {
  SPACED_UTF7_ONE.lastIndex = 0;
  let m = 0;
  while (m < 2 && SPACED_UTF7_ONE.exec(s) !== null) m++;
  return m;
}
export const MAX_FULL_ROUNDS = 3;

// Characters that file systems, shells or IIS fold to '.', '/' or '\' (and full-width ASCII in general).
const LOOKALIKE: Record<number, string> = {
  0x2024: '.', 0xfe52: '.', 0x2215: '/', 0x2044: '/', 0x29f8: '/', 0x2216: '\\', 0xfe68: '\\', 0x29f9: '\\',
  0x2028: '\n', 0x2029: '\n', 0x00a0: ' ', 0x3000: ' ',
  // typographic quotes: SQL Server "best fit" collations and some ORMs fold them to ASCII quotes
  0x2018: "'", 0x2019: "'", 0x201b: "'", 0x2032: "'", 0x02bc: "'", 0x201c: '"', 0x201d: '"', 0x2033: '"',
};

function hasWide(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0xa0) return true;
  return false;
}

/** Fold full-width ASCII (U+FF01–FF5E) and look-alike separators to ASCII. */
export function foldLookalikes(s: string): string {
  if (!hasWide(s)) return s;
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xa0) continue;
    let rep: string | undefined;
    if (c >= 0xff01 && c <= 0xff5e) rep = String.fromCharCode(c - 0xfee0);
    else rep = LOOKALIKE[c];
    if (rep !== undefined) { out += s.slice(last, i) + rep; last = i + 1; }
  }
  return last === 0 ? s : out + s.slice(last);
}

export function decodeValue(raw: string): Decoded {
  // one pass tells which decoders have anything to do (most values: none) and which syntax it holds
  const rawClasses = charClasses(raw);
  const d: Decoded = { raw, url: raw, full: raw, depth: 0, overlong: 0, invalid: 0, unicode: 0, base64: undefined, urlClasses: rawClasses, fullClasses: rawClasses, lower: undefined };
  let cur = raw;
  if ((rawClasses & C_PERCENT) !== 0) {
    for (let round = 0; round < MAX_URL_ROUNDS; round++) {
      const r = percentDecodeOnce(cur, hasPercentEscape(cur));
      d.overlong += r.overlong;
      d.invalid += r.invalid;
      d.unicode += r.unicode;
      if (r.decoded === 0) break;
      d.depth++;
      cur = r.text;
    }
    // still encoded after the last round (no client encodes data five times over; an application that decodes
    // until nothing changes reads what is under it): the rest decoded to the end in one linear pass, and depth
    // MAX_URL_ROUNDS + 1 says so (traversal.ts reports it as evidence of evasion)
    if (d.depth === MAX_URL_ROUNDS && (hasPercentEscape(cur) || hasUnicodeEscape(cur) || hasNibbleEscape(cur))) {
      const r = collapsePercent(cur);
      d.overlong += r.overlong;
      d.invalid += r.invalid;
      d.unicode += r.unicode;
      d.depth++;
      cur = r.text;
    }
  }
  if (cur !== raw || (rawClasses & C_WIDE) !== 0) cur = foldLookalikes(cur);
  d.url = cur;
  const urlClasses = cur === raw ? rawClasses : charClasses(cur);
  d.urlClasses = urlClasses;
  let full = cur;
  const hasSpecial = (urlClasses & (C_BACKSLASH | C_AMP | C_PLUS)) !== 0;
  if (hasSpecial) {
    for (let round = 0; round < MAX_FULL_ROUNDS; round++) {
      let changed = 0;
      const a = decodeBackslashEscapes(full); changed += a.decoded; full = a.text;
      const b = decodeEntities(full); changed += b.decoded; full = b.text;
      const c = decodeUtf7(full); changed += c.decoded; full = c.text;
      if (full.indexOf('%') >= 0) {
        const p = percentDecodeOnce(full, false);
        if (p.decoded > 0) { changed += p.decoded; full = p.text; d.overlong += p.overlong; }
      }
      if (changed === 0) break;
    }
    full = foldLookalikes(full);
  }
  // UTF-7 whose '+' shifts became spaces in form decoding (+ADw-script+AD4- → " ADw-script AD4-"): ASCII
  // punctuation in UTF-7 always starts AC…AH; two shifts that decode to markup are the encoding, not prose
  let fullClasses = full === cur ? urlClasses : charClasses(full);
  if ((fullClasses & C_SPACE_A) !== 0 && spacedUtf7Shifts(full) >= 2) {
    const u = decodeUtf7(full.replace(SPACED_UTF7, '+'));
    if (u.decoded >= 2 && (u.text.indexOf('<') >= 0 || u.text.indexOf('>') >= 0)) { full = u.text; fullClasses = charClasses(full); }
  }
  d.full = full;
  d.fullClasses = fullClasses;
  const b = decodeBase64Text(d.url) ?? embeddedBase64(d.url);
  if (b !== undefined) d.base64 = b;
  return d;
}

/**
 * Base64 inside a value rather than the whole of it: a `data:…;base64,` URI's payload, or a long base64
 * run the value opens with, cut by a quote or bracket (`PHN2Zy…"/>`). Decoded only when it is text.
 */
export function embeddedBase64(s: string): string | undefined {
  let from = -1;
  const tag = s.indexOf(';base64,');
  if (tag >= 0) from = tag + 8;
  else if (s.length > 24 && isB64(s.charCodeAt(0))) from = 0;
  if (from < 0) return undefined;
  let end = from;
  while (end < s.length && end - from < MAX_B64 && isB64(s.charCodeAt(end))) end++;
  while (end < s.length && s.charCodeAt(end) === 61 && end - from < MAX_B64 + 2) end++;
  if (end === s.length && from === 0) return undefined; // the whole value: decodeBase64Text's case
  if (end - from < (from === 0 ? 24 : MIN_B64)) return undefined;
  return decodeBase64Text(s.slice(from, end));
}

const MIN_B64 = 16;
const MAX_B64 = 8192;

function isB64(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 45 || c === 95;
}

/** Base64 (standard or URL-safe) of printable text, decoded; undefined for anything else. */
export function decodeBase64Text(s: string): string | undefined {
  let n = s.length;
  if (n < MIN_B64 || n > MAX_B64) return undefined;
  while (n > 0 && s.charCodeAt(n - 1) === 61) n--;
  if (s.length - n > 2) return undefined;
  let lower = 0, upper = 0, digit = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!isB64(c)) return undefined;
    if (c >= 97 && c <= 122) lower++; else if (c >= 65 && c <= 90) upper++; else if (c >= 48 && c <= 57) digit++;
  }
  // words and identifiers are valid base64 too: require the mix encoded data has
  if (lower === 0 || upper === 0 || n % 4 === 1) return undefined;
  const buf = Buffer.from(s.slice(0, n), 'base64');
  if (buf.length < 8) return undefined;
  let printable = 0;
  for (const b of buf) {
    if ((b >= 32 && b < 127) || b === 9 || b === 10 || b === 13) printable++;
    else if (b < 32 || b === 127) return undefined;
  }
  if (printable < buf.length * 0.9) return undefined;
  const text = buf.toString('utf8');
  return text.includes('\uFFFD') ? undefined : text;
}
