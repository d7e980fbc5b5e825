import iconv from 'iconv-lite';
import { textLike } from './body-sniff.js';
import { utf16Text } from './json-text.js';
import { isUtf8Label } from '../common/utf8-labels.js';

/**
 * How a body read by its declared charset is decoded (a form's percent-escapes, a text body, a multipart
 * part): `decode` the text in that charset, or `unknown`, a charset nothing here decodes (EBCDIC — ibm037,
 * cp500, cp1140, ibm1047 —, a made-up label), which the caller reads as UTF-8 and records (the request is
 * refused by default: an upstream that decodes it, as IIS/ASP.NET decodes EBCDIC, reads another text).
 */
export type Charset =
  | { readonly kind: 'decode'; readonly encoding: string; decode(b: Uint8Array): string; readonly asciiSafe: boolean; other?(b: Uint8Array, decoded: string): string | undefined; readonly slow?: boolean }
  | { readonly kind: 'unknown'; readonly label: string };

/**
 * The UTF-8 reading of bytes decoded in `cs`, when an application that ignores the charset (Go, Node, PHP
 * read bodies as UTF-8 whatever they declare) would read other text: the charset is not ASCII-compatible
 * (UTF-7's `+…-`, ISO-2022-JP's escapes, UTF-16/32), the bytes are text as UTF-8 (no NULs or controls but
 * ESC: UTF-16 is not) and they read
 * otherwise than `decoded`. UTF-16 that is no UTF-8 text: its reading in the other byte order, where it
 * differs. undefined: no other reading to inspect.
 */
export function utf8Reading(cs: Charset & { kind: 'decode' }, b: Buffer, decoded: string): string | undefined {
  if (cs.asciiSafe) return undefined;
  // UTF-16 in the other byte order where an application reads that (otherOrder)
  // (ESC allowed: the escape sequences of ISO-2022-JP, after which its reading and UTF-8's differ)
  if (!textLike(b, true)) return cs.other?.(b, decoded);
  const s = b.toString('utf8');
  return s === decoded ? undefined : s;
}

/** Bytes in a charset that decodes them: the text, and its UTF-8 reading where that is other text (utf8Reading). */
export function readings(cs: Charset & { kind: 'decode' }, b: Buffer): [string, string | undefined] {
  const text = cs.decode(b);
  return [text, utf8Reading(cs, b, text)];
}

/**
 * The charset a Content-Type's parameters name. undefined: none, UTF-8 (any WHATWG label of it) or ASCII
 * (`us-ascii`, `ascii`: read as UTF-8, as before — every ASCII byte reads the same). Node's TextDecoder
 * (WHATWG labels: windows-125x, ISO-8859-x, Shift_JIS, EUC-*, GBK, Big5, KOI8, UTF-16 …) decodes what it
 * knows and gets right; iconv-lite decodes the rest: UTF-7, UTF-32, DOS code pages, and windows-1252 and its
 * labels (Node 20's TextDecoder reads it as Latin-1, nodejs/node#60888; `latin1`/`iso-8859-1` then read as
 * Latin-1, as Java, .NET and Python read those names). iconv-lite's byte encodings (`base64`, `hex`) are
 * no charset: unknown.
 */
export function declaredCharset(params: string | undefined, contentType?: string): Charset | undefined {
  const cs = withLoose(charsetLabel(params), contentType === undefined ? undefined : looseCharsetLabel(contentType));
  if (cs === undefined || isUtf8Label(cs)) return undefined;
  // not a label (charsetLabel marks those), or two charsets: nothing decodes it
  if (cs.includes('?') || cs.includes(',')) return { kind: 'unknown', label: cs };
  const hit = charsets.get(cs);
  if (hit !== undefined) return hit ?? undefined;
  const c = resolve(cs);
  // labels are the client's to choose: only so many remembered (the known ones are a fixed set)
  if (charsets.size < MAX_CACHED) charsets.set(cs, c ?? null);
  return c;
}

/** The parameter's label and ASP.NET's reading of the whole Content-Type: one label, or both when they differ (unknown, refused). */
function withLoose(strict: string | undefined, loose: string | undefined): string | undefined {
  if (loose === undefined || loose === strict || (strict !== undefined && strict.split(',').includes(loose))) return strict;
  return strict === undefined ? loose : `${strict},${loose}`.slice(0, 40);
}

const MAX_CACHED = 256;
const charsets = new Map<string, Charset | null>();
const NOT_CHARSETS = new Set(['base64', 'base64url', 'hex']);

/**
 * Printable ASCII, a UTF-7 shift (`+AGE-`, an `a`) and an ISO-2022 escape (`ESC $ B`: the ASCII pairs after it
 * are JIS X 0208 characters): an ASCII-compatible charset reads it as itself.
 */
const PROBE = `${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')} +AGE- \x1b$B!!\x1b(B`;

function resolve(cs: string): Charset | undefined {
  const c = decoderFor(cs);
  if (c === undefined || 'label' in c) return c;
  return { ...c, asciiSafe: c.decode(Buffer.from(PROBE, 'latin1')) === PROBE };
}

function decoderFor(cs: string): { kind: 'decode'; encoding: string; decode(b: Uint8Array): string; other?(b: Uint8Array, decoded: string): string | undefined; slow?: boolean } | { kind: 'unknown'; label: string } | undefined {
  let td: TextDecoder | undefined;
  try { td = new TextDecoder(cs); } catch { /* not a WHATWG label */ }
  if (td?.encoding === 'utf-8') return undefined;
  if (td !== undefined && td.encoding !== 'windows-1252') {
    const d = td;
    if (d.encoding === 'utf-16le' || d.encoding === 'utf-16be') {
      const order = ORDER_LE.has(cs) ? false : ORDER_BE.has(cs) ? true : undefined;
      return { kind: 'decode', encoding: d.encoding, decode: (b) => utf16(b, d.encoding === 'utf-16be'), other: (b, decoded) => otherOrder(b, decoded, order) };
    }
    return { kind: 'decode', encoding: d.encoding, decode: (b) => d.decode(b) };
  }
  // windows-1252's WHATWG labels iconv-lite does not know (x-cp1252, l1 …) are windows-1252
  const name = iconv.encodingExists(cs) && !NOT_CHARSETS.has(cs) ? cs : td !== undefined ? 'windows-1252' : undefined;
  if (name === undefined) return { kind: 'unknown', label: cs };
  return { kind: 'decode', encoding: name, decode: (b) => iconv.decode(b, name), slow: SLOW.has(name.toLowerCase().replace(/[^0-9a-z]/g, '')) };
}

/**
 * iconv-lite's UTF-7 codecs (names as it canonicalises them) decode shift by shift, a Buffer and two decodes
 * for each `+…-`: about 0.7 µs a byte of `+ADw-+ADw-…`, some 70 times the other charsets' cost. The
 * inspector makes the budget pay for their bytes (Inspector.decodable).
 */
const SLOW = new Set(['utf7', 'unicode11utf7', 'utf7imap']);

/** UTF-16 labels that name the byte order (WHATWG labels; .NET's unicodeFFFE is big-endian). */
const ORDER_LE = new Set(['utf-16le', 'unicodefeff']);
const ORDER_BE = new Set(['utf-16be', 'unicodefffe']);

/**
 * UTF-16 `decoded` in the order a BOM or the first NUL told (utf16): the reading in the other byte order
 * where an application reads that one. A label that names the order (`be`) is read in it whatever the
 * first bytes say (Java, .NET, Python); one that does not (`utf-16`, `ucs-2`, `unicode`) is read big-endian
 * by Java and little-endian by .NET (whatever the BOM) and Python, so unless a little-endian BOM settles it
 * both orders are read. undefined: no other reading (or the same text).
 */
function otherOrder(b: Uint8Array, decoded: string, be: boolean | undefined): string | undefined {
  if (be === undefined && b[0] === 0xff && b[1] === 0xfe) return undefined;
  for (const order of be === undefined ? [false, true] : [be]) {
    const s = utf16Text(b, order);
    if (s !== decoded) return s;
  }
  return undefined;
}

/**
 * UTF-16 told by a byte order mark, else by where the NUL of an ASCII character falls (first: big-endian,
 * second: little-endian), as RFC 4627 §3 told JSON's; `be` when neither tells (the label's own order).
 */
function utf16(b: Uint8Array, be: boolean): string {
  if (b.length >= 2) {
    if ((b[0] === 0xfe && b[1] === 0xff) || (b[0] === 0 && b[1] !== 0)) be = true;
    else if ((b[0] === 0xff && b[1] === 0xfe) || (b[1] === 0 && b[0] !== 0)) be = false;
  }
  return utf16Text(b, be);
}

/**
 * The lower-cased `charset` parameter of a Content-Type's parameters (`; a=b; charset="x"`), or undefined:
 * the parameter itself (not `xcharset=`, nor text inside another quoted value), quotes dropped. A value that
 * is no label (more than 40 characters, or any but [A-Za-z0-9_.:-]) comes back marked with `?` (unknown to
 * every decoder), and two charset parameters that differ as `a,b` (parsers differ on which wins): both
 * unknown, bounded to 40 characters. Linear.
 */
export function charsetLabel(params: string | undefined): string | undefined {
  if (params === undefined) return undefined;
  const len = params.length;
  let found: string | undefined;
  for (let i = 0; i < len;) {
    while (i < len && (params[i] === ';' || params[i] === ' ' || params[i] === '\t')) i++;
    const ns = i;
    while (i < len && params[i] !== '=' && params[i] !== ';') i++;
    if (i >= len || params[i] !== '=') continue;
    const name = params.slice(ns, i).trim().toLowerCase();
    i++;
    while (i < len && (params[i] === ' ' || params[i] === '\t')) i++;
    let value: string;
    if (params[i] === '"') {
      const parts: string[] = [];
      let from = ++i;
      while (i < len && params[i] !== '"') {
        if (params[i] === '\\' && i + 1 < len) { parts.push(params.slice(from, i)); from = ++i; }
        i++;
      }
      parts.push(params.slice(from, i));
      value = parts.join('');
      while (i < len && params[i] !== ';') i++;
    } else {
      const vs = i;
      while (i < len && params[i] !== ';') i++;
      value = params.slice(vs, i).trim();
    }
    if (name !== 'charset' || value === '') continue;
    const label = boundedLabel(value.toLowerCase());
    if (found === undefined) found = label;
    else if (found !== label && !found.split(',').includes(label)) found = `${found},${label}`.slice(0, 40);
  }
  return found;
}

/** The value as a label: itself, or (too long, or with other characters) its first 40 characters, others as `?`. */
export function boundedLabel(v: string): string {
  let ok = v.length <= 40;
  let out = '';
  for (let i = 0; i < v.length && i < 40; i++) {
    const c = v.charCodeAt(i);
    const label = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 58 || c === 45;
    if (!label) ok = false;
    out += label ? v[i] : '?';
  }
  return ok ? out : out.endsWith('?') || out.length < 40 ? out : `${out.slice(0, 39)}?`;
}

/**
 * The charset ASP.NET (System.Web HttpRequest.ContentEncoding, GetAttributeFromHeader) reads from a whole
 * Content-Type: the first `charset` (any case) after index 0 that follows `;`, `,` or whitespace and is followed
 * by `=` (whitespace allowed) — quoting ignored, so inside another parameter's quoted value, or after a comma
 * with no `;` at all —; its value quoted (to the next `"`) or up to whitespace, `,` or `;`. Lower-cased, as a
 * label (boundedLabel). undefined: none. IIS decodes a form in that charset (EBCDIC), so where it differs from
 * the parameter (charsetLabel) both are recorded. Linear.
 */
export function looseCharsetLabel(ct: string): string | undefined {
  const len = ct.length;
  let lower = '';
  for (let i = 0; i < len; i++) { const c = ct.charCodeAt(i); lower += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : ct[i]; }
  let i = lower.indexOf('charset', 1);
  for (; i >= 0 && i + 7 < len; i = lower.indexOf('charset', i + 7)) {
    const prev = lower[i - 1]!, next = lower[i + 7]!;
    if ((prev === ';' || prev === ',' || isSpace(prev)) && (next === '=' || isSpace(next))) break;
  }
  if (i < 0 || i + 7 >= len) return undefined;
  i += 7;
  while (i < len && isSpace(lower[i]!)) i++;
  if (lower[i] !== '=') return undefined;
  i++;
  while (i < len && isSpace(lower[i]!)) i++;
  if (i >= len) return undefined;
  let value: string;
  if (lower[i] === '"') {
    const j = lower.indexOf('"', i + 1);
    if (j < 0 || j === i + 1) return undefined;
    value = lower.slice(i + 1, j).trim();
  } else {
    let j = i;
    while (j < len && !isSpace(lower[j]!) && lower[j] !== ',' && lower[j] !== ';') j++;
    value = lower.slice(i, j).trim();
  }
  return value === '' ? undefined : boundedLabel(value);
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v' || c === '\u00a0';
}
