/**
 * Lenient percent-decoding the way attackers count on servers to decode: valid `%XX` escapes, IIS `%uXXXX`,
 * nibble-split escapes (`%2%e` after a first pass over `%%32%%65`), and UTF-8 byte runs decoded by hand so
 * overlong forms (`%c0%ae` for '.') come out as the character they spell — and are reported, because no
 * honest client sends them. Invalid escapes stay as they are and are counted. Linear in the input.
 */

export interface PercentResult {
  text: string;
  /** Escapes decoded in this pass (0: nothing changed). */
  decoded: number;
  /** Overlong or 5/6-byte UTF-8 forms of an ASCII character. */
  overlong: number;
  /** `%` not followed by a usable escape, and bytes that are not valid UTF-8. */
  invalid: number;
  /** `%uXXXX` escapes. */
  unicode: number;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** True when s has at least one `%XX` escape with two hex digits. */
export function hasPercentEscape(s: string): boolean {
  let i = s.indexOf('%');
  while (i >= 0 && i + 2 < s.length) {
    if (hexVal(s.charCodeAt(i + 1)) >= 0 && hexVal(s.charCodeAt(i + 2)) >= 0) return true;
    i = s.indexOf('%', i + 1);
  }
  return false;
}

/** True when s has a nibble-split escape `%X%Y` (a hex digit after each '%'), which a round decodes to the byte XY. */
export function hasNibbleEscape(s: string): boolean {
  let i = s.indexOf('%');
  while (i >= 0 && i + 3 < s.length) {
    if (hexVal(s.charCodeAt(i + 1)) >= 0 && s.charCodeAt(i + 2) === 37 && hexVal(s.charCodeAt(i + 3)) >= 0) return true;
    i = s.indexOf('%', i + 1);
  }
  return false;
}

/** True when s has a `%uXXXX` escape (four hex digits). */
export function hasUnicodeEscape(s: string): boolean {
  let i = s.indexOf('%');
  while (i >= 0 && i + 5 < s.length) {
    const u = s.charCodeAt(i + 1);
    if ((u === 117 || u === 85) && hexVal(s.charCodeAt(i + 2)) >= 0 && hexVal(s.charCodeAt(i + 3)) >= 0 && hexVal(s.charCodeAt(i + 4)) >= 0 && hexVal(s.charCodeAt(i + 5)) >= 0) return true;
    i = s.indexOf('%', i + 1);
  }
  return false;
}

/**
 * Decode a run of bytes as UTF-8, accepting overlong and 5/6-byte sequences (decoded to their code point,
 * counted as overlong when they encode an ASCII character). Bytes that fit no sequence become U+FFFD, but
 * for a lone A0–BF byte, read as the Latin-1 character it is to a single-byte reader.
 */
function utf8(bytes: number[], out: string[], r: PercentResult): void {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) { out.push(String.fromCharCode(b)); i++; continue; }
    let need = 0;
    let cp = 0;
    if (b >= 0xc0 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; }
    else if (b >= 0xf0 && b <= 0xf7) { need = 3; cp = b & 0x07; }
    else if (b >= 0xf8 && b <= 0xfb) { need = 4; cp = b & 0x03; }
    else if (b >= 0xfc && b <= 0xfd) { need = 5; cp = b & 0x01; }
    else {
      // a lone byte A0–BF is no UTF-8, but to a Latin-1 reader (a MySQL latin1 connection, PHP's byte
      // strings) it is a character: NBSP (0xA0) is whitespace there, which sqlmap's space2mysqlblank uses
      out.push(b >= 0xa0 && b <= 0xbf ? String.fromCharCode(b) : '\uFFFD');
      r.invalid++; i++; continue;
    }
    let ok = i + need < n;
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const c = bytes[i + k];
        if (c === undefined || (c & 0xc0) !== 0x80) { ok = false; break; }
        cp = (cp << 6) | (c & 0x3f);
      }
    }
    if (!ok) { out.push('\uFFFD'); r.invalid++; i++; continue; }
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : need === 3 ? 0x10000 : 0x110000;
    if (cp < min || need >= 4) {
      if (cp < 0x80) r.overlong++;
      else r.invalid++;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) { out.push('\uFFFD'); r.invalid++; }
    else out.push(String.fromCodePoint(cp));
    i += need + 1;
  }
}

/**
 * One decoding pass. `plus`: turn '+' into a space (form encoding). Escapes that decode to bytes are
 * collected into runs so multi-byte sequences decode together.
 */
export function percentDecodeOnce(s: string, plus: boolean): PercentResult {
  const r: PercentResult = { text: s, decoded: 0, overlong: 0, invalid: 0, unicode: 0 };
  if (s.indexOf('%') < 0 && !(plus && s.indexOf('+') >= 0)) return r;
  const out: string[] = [];
  let bytes: number[] = [];
  let last = 0; // start of the pending literal slice
  const n = s.length;
  const flushLiteral = (end: number) => { if (end > last) out.push(s.slice(last, end)); };
  const flushBytes = () => { if (bytes.length > 0) { utf8(bytes, out, r); bytes = []; } };
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */) {
      const h1 = i + 1 < n ? hexVal(s.charCodeAt(i + 1)) : -1;
      const h2 = i + 2 < n ? hexVal(s.charCodeAt(i + 2)) : -1;
      if (h1 >= 0 && h2 >= 0) {
        flushLiteral(i);
        bytes.push(h1 * 16 + h2);
        r.decoded++;
        i += 3; last = i;
        continue;
      }
      const u = s.charCodeAt(i + 1);
      if ((u === 117 || u === 85) && i + 5 < n) { // %uXXXX
        const a = hexVal(s.charCodeAt(i + 2)), b = hexVal(s.charCodeAt(i + 3));
        const d = hexVal(s.charCodeAt(i + 4)), e = hexVal(s.charCodeAt(i + 5));
        if (a >= 0 && b >= 0 && d >= 0 && e >= 0) {
          flushLiteral(i); flushBytes();
          out.push(String.fromCharCode(((a * 16 + b) * 16 + d) * 16 + e));
          r.decoded++; r.unicode++;
          i += 6; last = i;
          continue;
        }
      }
      // nibble-split escape: %X%Y (each half a hex digit) spells the byte XY
      if (h1 >= 0 && s.charCodeAt(i + 2) === 37 && i + 3 < n) {
        const h3 = hexVal(s.charCodeAt(i + 3));
        if (h3 >= 0) {
          flushLiteral(i);
          bytes.push(h1 * 16 + h3);
          r.decoded++; r.invalid++;
          i += 4; last = i;
          continue;
        }
      }
      r.invalid++;
      flushBytes();
      i++;
      continue;
    }
    if (bytes.length > 0) { flushBytes(); }
    if (plus && c === 43 /* + */) {
      flushLiteral(i);
      out.push(' ');
      r.decoded++;
      i++; last = i;
      continue;
    }
    i++;
  }
  flushLiteral(n);
  flushBytes();
  if (r.decoded === 0) return r;
  r.text = out.join('');
  return r;
}

/**
 * The fixed point of repeated `%XX` decoding in one pass: each character is pushed onto an output stack,
 * and whenever the top three are `%`, hex, hex they become the byte they spell — which may complete another
 * escape with what precedes it (`%25` then `2e` → `%2e` → '.'), as the next round would. Runs of decoded
 * bytes are read as UTF-8 as a round reads them (overlong forms counted). `%uXXXX` (IIS) escapes become the
 * character they spell the same way, as a round decodes them, and so do nibble-split escapes (`%2%e`, the
 * byte 2e; counted invalid, as a round counts them). Each step pushes a character or removes two, three or
 * five: linear (`steps`: both, counted).
 */
export function collapsePercent(s: string): PercentResult & { steps: number } {
  const r: PercentResult & { steps: number } = { text: s, decoded: 0, overlong: 0, invalid: 0, unicode: 0, steps: 0 };
  const units: number[] = [];
  const byte: boolean[] = []; // units[i] is a decoded byte (not a character of the text)
  // the round in which units[i] is first read as a character: 1 for the text's own, one more than the latest
  // of its parts for a decoded one (a nibble-split escape competes with a `%XX` by who is read first)
  const round: number[] = [];
  const settle = (atEnd: boolean) => {
    for (let n = units.length; n >= 3; n = units.length) {
      if (units[n - 3] === 37) {
        const h1 = hexVal(units[n - 2]!), h2 = hexVal(units[n - 1]!);
        if (h1 >= 0 && h2 >= 0) {
          const rd = Math.max(round[n - 3]!, round[n - 2]!, round[n - 1]!) + 1;
          units.length = n - 2; byte.length = n - 2; round.length = n - 2;
          units[n - 3] = h1 * 16 + h2; byte[n - 3] = true; round[n - 3] = rd;
          r.decoded++; r.steps++;
          continue;
        }
      }
      // `%uXXXX`: the UTF-16 unit it spells, a character (which may be the `%` of another escape)
      if (n >= 6 && units[n - 6] === 37 && (units[n - 5] === 117 || units[n - 5] === 85)) {
        const a = hexVal(units[n - 4]!), b = hexVal(units[n - 3]!), c = hexVal(units[n - 2]!), e = hexVal(units[n - 1]!);
        if (a >= 0 && b >= 0 && c >= 0 && e >= 0) {
          let rd = 0;
          for (let k = n - 6; k < n; k++) rd = Math.max(rd, round[k]!);
          units.length = n - 5; byte.length = n - 5; round.length = n - 5;
          units[n - 6] = ((a * 16 + b) * 16 + c) * 16 + e; byte[n - 6] = false; round[n - 6] = rd + 1;
          r.decoded++; r.unicode++; r.steps++;
          continue;
        }
      }
      // nibble-split `%X%Y` on top: the byte XY, as a round reads it (`%X%` is no `%XX`) — unless its second
      // `%` is read in an earlier round than the pair as a whole, when what comes next may make `%Y?` an
      // escape decoded first (`%25` `2` `%25` `e`: `%2%e` only a round later): then the next unit decides
      if (n >= 4 && units[n - 4] === 37 && units[n - 2] === 37 && nibble(n - 4, atEnd)) continue;
      // a nibble escape that waited for the unit now on top, which did not make `%Y?` an escape
      if (n >= 5 && units[n - 5] === 37 && units[n - 3] === 37 && nibble(n - 5, true)) continue;
      break;
    }
  };
  /** Decode the nibble escape at units[at..at+3] (keeping what follows), unless it must wait for the next unit. */
  const nibble = (at: number, decide: boolean): boolean => {
    const h1 = hexVal(units[at + 1]!), h2 = hexVal(units[at + 3]!);
    if (h1 < 0 || h2 < 0) return false;
    const rd = Math.max(round[at]!, round[at + 1]!, round[at + 2]!, round[at + 3]!);
    if (!decide && at + 4 === units.length && Math.max(round[at + 2]!, round[at + 3]!) < rd) return false;
    units.splice(at, 4, h1 * 16 + h2); byte.splice(at, 4, true); round.splice(at, 4, rd + 1);
    r.decoded++; r.invalid++; r.steps++;
    return true;
  };
  for (let i = 0; i < s.length; i++) {
    units.push(s.charCodeAt(i)); byte.push(false); round.push(1); r.steps++;
    settle(false);
  }
  settle(true);
  if (r.decoded === 0) return r;
  const out: string[] = [];
  let bytes: number[] = [];
  let chars: number[] = [];
  for (let i = 0; i < units.length; i++) {
    if (byte[i]) {
      if (chars.length > 0) { out.push(String.fromCharCode(...chars)); chars = []; }
      bytes.push(units[i]!);
      continue;
    }
    if (bytes.length > 0) { utf8(bytes, out, r); bytes = []; }
    chars.push(units[i]!);
    if (chars.length === 4096) { out.push(String.fromCharCode(...chars)); chars = []; }
  }
  if (chars.length > 0) out.push(String.fromCharCode(...chars));
  if (bytes.length > 0) utf8(bytes, out, r);
  r.text = out.join('');
  return r;
}
