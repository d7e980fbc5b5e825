/**
 * Markup fragments that escape the context a value is written into, or that only an evasion encoding
 * produces: closing an HTML comment and writing after it, an attribute breakout that arrived encoded,
 * markup smuggled as UTF-7, a namespace declaration that switches a document to an active vocabulary,
 * and the tail of a DTD declaration. Each is a bounded indexOf / char-code scan of the lower-case value.
 */
import { MAX_URL_ROUNDS } from '../decode/normalize.js';
import { percentDecodeOnce } from '../decode/percent.js';
import { isHtmlWs as isWs } from './chars.js';
export interface FragmentVerdict { confidence: number; reason: string }

const NONE: FragmentVerdict = { confidence: 0, reason: '' };

function isAlpha(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90); }

/**
 * `-->` (or `--!>`) that closes a comment the value sits in, then writes markup or a CSS block glued to it,
 * or opens a new comment: `--><svg …`, `-->{…}`, `--> <!--`. A prose arrow (`a --> b`, a lone `-->`,
 * `File --> <kbd>Save</kbd>`) is written with a space and no comment after it.
 */
export function commentBreakout(s: string): FragmentVerdict {
  for (let i = s.indexOf('--'); i >= 0; i = s.indexOf('--', i + 2)) {
    let k = i + 2;
    if (s.charCodeAt(k) === 33) k++; // --!>
    if (s.charCodeAt(k) !== 62) continue;
    k++;
    const glued = s.charCodeAt(k);
    if (glued === 123 /* { */) return { confidence: 0.85, reason: 'comment close then a css block' };
    if (glued === 60 && (isAlpha(s.charCodeAt(k + 1)) || s.charCodeAt(k + 1) === 47)) return { confidence: 0.85, reason: 'comment close then markup' };
    // a new comment or declaration after it, spaces allowed: `--> <!--` moves the comment, `--> <![` too
    while (k < s.length && k - i < 16 && isWs(s.charCodeAt(k))) k++;
    if (s.charCodeAt(k) === 60 && s.charCodeAt(k + 1) === 33) return { confidence: 0.85, reason: 'comment close then a new comment' };
  }
  return NONE;
}

/**
 * The value closes a quoted attribute or a script string and then the tag (`'>`, `")>`, `';/>`) — and the
 * `>` reached us encoded (entities, double entities, double percent-encoding): a probe for which decoder
 * the application runs. The `>` must close a tag the value did not open (entity-escaped markup is not this).
 */
export function encodedBreakout(text: string, raw: string): FragmentVerdict {
  if (raw === text || raw.indexOf('>') >= 0) return NONE;
  const gt = text.indexOf('>');
  if (gt < 1) return NONE;
  const lt = text.indexOf('<');
  if (lt >= 0 && lt < gt) return NONE;
  for (let p = gt - 1; p >= 0 && gt - p <= 4; p--) {
    const c = text.charCodeAt(p);
    if (c === 34 || c === 39 || c === 96) return { confidence: 0.85, reason: 'encoded quote-and-tag breakout' };
    if (c !== 41 && c !== 59 && c !== 47) return NONE; // only ) ; / between the quote and the >
  }
  return NONE;
}

/**
 * The raw value holds a UTF-7 shift that encodes `<` (`+ADw-`; the `+` may have become a space in form
 * decoding, or stayed percent-encoded as %2B), also once percent escapes are decoded (every byte encoded:
 * `%2B%41%44%77%2D`; bounded rounds, as the decoder's). Nothing sends UTF-7 today except the old IE
 * charset attack.
 */
export function utf7Angle(raw: string): boolean {
  if (utf7AngleIn(raw)) return true;
  let s = raw;
  for (let round = 0; round < MAX_URL_ROUNDS && s.indexOf('%') >= 0; round++) {
    const r = percentDecodeOnce(s, false);
    if (r.decoded === 0) break;
    s = r.text;
    if (utf7AngleIn(s)) return true;
  }
  return false;
}

function utf7AngleIn(raw: string): boolean {
  for (let i = raw.indexOf('ADw'); i >= 1; i = raw.indexOf('ADw', i + 3)) {
    const p = raw.charCodeAt(i - 1);
    if (p === 43 || p === 32) return true;
    if ((p === 66 || p === 98) && i >= 3 && raw.charCodeAt(i - 3) === 37 && raw.charCodeAt(i - 2) === 50) return true; // %2B
  }
  return false;
}

/** Namespaces whose elements run script or render active content. */
const ACTIVE_NAMESPACES = ['w3.org/2000/svg', 'w3.org/1999/xhtml', 'w3.org/1999/xsl/transform', 'w3.org/1998/math/mathml', 'urn:schemas-microsoft-com:vml'];

/** `xmlns[:prefix]="…"` binding an active namespace: attribute injection that makes later `<svg:script>` run. */
export function namespaceInjection(s: string): FragmentVerdict {
  for (let i = s.indexOf('xmlns'); i >= 0; i = s.indexOf('xmlns', i + 5)) {
    let k = i + 5;
    if (s.charCodeAt(k) === 58) { k++; while (k < s.length && k - i < 40 && (isAlpha(s.charCodeAt(k)) || s.charCodeAt(k) === 45)) k++; }
    while (k < s.length && isWs(s.charCodeAt(k))) k++;
    if (s.charCodeAt(k) !== 61) continue;
    const value = s.slice(k + 1, k + 64);
    for (const ns of ACTIVE_NAMESPACES) if (value.includes(ns)) return { confidence: 0.85, reason: 'namespace declaration for active content' };
  }
  return NONE;
}

const DTD_DEFAULTS = ['#required', '#implied', '#pcdata'];

/** The end of a DTD declaration: `… #REQUIRED>`, `(#PCDATA)>`, `#IMPLIED>]>` — a DOCTYPE internal subset being written. */
export function dtdFragment(s: string): FragmentVerdict {
  for (const kw of DTD_DEFAULTS) {
    for (let i = s.indexOf(kw); i >= 0; i = s.indexOf(kw, i + kw.length)) {
      let k = i + kw.length;
      if (s.charCodeAt(k) === 41) k++; // )
      if (s.charCodeAt(k) === 42) k++; // *
      if (s.charCodeAt(k) === 62) return { confidence: 0.85, reason: 'DTD declaration fragment' };
    }
  }
  return NONE;
}
