/**
 * Backslash escapes of JavaScript and JSON strings (`\u0061`, `\u{61}`, `\x3c`, `\n`, `\t`, `\r`) and
 * UTF-7 runs (`+ADw-` for '<'), both of which reach an interpreter as the characters they spell. Linear.
 */

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function isOct(c: number): boolean { return c >= 48 && c <= 55; }

function hexRun(s: string, i: number, len: number): number {
  let v = 0;
  for (let k = 0; k < len; k++) {
    const d = hexVal(s.charCodeAt(i + k));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

export interface EscapeResult { text: string; decoded: number }

export function decodeBackslashEscapes(s: string): EscapeResult {
  let bs = s.indexOf('\\');
  if (bs < 0) return { text: s, decoded: 0 };
  const out: string[] = [];
  let last = 0;
  let decoded = 0;
  const n = s.length;
  while (bs >= 0 && bs + 1 < n) {
    const c = s.charCodeAt(bs + 1);
    let value: string | undefined;
    let end = bs + 2;
    if (c === 117 /* u */) {
      if (s.charCodeAt(bs + 2) === 123 /* { */) {
        const close = s.indexOf('}', bs + 3);
        if (close > bs + 3 && close - bs <= 10) {
          const cp = hexRun(s, bs + 3, close - bs - 3);
          if (cp >= 0 && cp <= 0x10ffff) { value = String.fromCodePoint(cp); end = close + 1; }
        }
      } else {
        const cp = hexRun(s, bs + 2, 4);
        if (cp >= 0) { value = String.fromCharCode(cp); end = bs + 6; }
      }
    } else if (c === 120 /* x */) {
      const cp = hexRun(s, bs + 2, 2);
      if (cp >= 0) { value = String.fromCharCode(cp); end = bs + 4; }
    } else if (c >= 48 && c <= 51 && isOct(s.charCodeAt(bs + 2)) && isOct(s.charCodeAt(bs + 3))) {
      // \NNN octal (JavaScript legacy, PHP, shells' $'…')
      value = String.fromCharCode((c - 48) * 64 + (s.charCodeAt(bs + 2) - 48) * 8 + (s.charCodeAt(bs + 3) - 48));
      end = bs + 4;
    } else if (c === 110) value = '\n';
    else if (c === 114) value = '\r';
    else if (c === 116) value = '\t';
    if (value !== undefined) {
      if (bs > last) out.push(s.slice(last, bs));
      out.push(value);
      decoded++;
      last = end;
      bs = s.indexOf('\\', end);
    } else {
      bs = s.indexOf('\\', bs + 2);
    }
  }
  if (decoded === 0) return { text: s, decoded: 0 };
  if (last < n) out.push(s.slice(last));
  return { text: out.join(''), decoded };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VAL = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VAL[B64.charCodeAt(i)] = i;

/**
 * UTF-7 shifted runs `+<modified base64>-`. A run is replaced only when it decodes to printable ASCII
 * (that is what an XSS through a UTF-7 sniffing browser needs), so ordinary text with '+' is untouched.
 */
export function decodeUtf7(s: string): EscapeResult {
  let plus = s.indexOf('+');
  if (plus < 0) return { text: s, decoded: 0 };
  const out: string[] = [];
  let last = 0;
  let decoded = 0;
  const n = s.length;
  while (plus >= 0) {
    let i = plus + 1;
    let bits = 0;
    let acc = 0;
    const chars: number[] = [];
    let ok = true;
    while (i < n) {
      const c = s.charCodeAt(i);
      const v = c < 128 ? B64_VAL[c]! : -1;
      if (v < 0) break;
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 16) {
        bits -= 16;
        const u = (acc >> bits) & 0xffff;
        if (u < 0x20 || u > 0x7e) { ok = false; }
        chars.push(u);
      }
      acc &= (1 << bits) - 1;
      i++;
    }
    const endsRun = i < n && s.charCodeAt(i) === 45 /* - */;
    if (ok && chars.length > 0 && i - plus > 2 && (endsRun || i === n)) {
      if (plus > last) out.push(s.slice(last, plus));
      out.push(String.fromCharCode(...chars));
      decoded++;
      last = endsRun ? i + 1 : i;
    }
    plus = s.indexOf('+', Math.max(i, plus + 1));
  }
  if (decoded === 0) return { text: s, decoded: 0 };
  if (last < n) out.push(s.slice(last));
  return { text: out.join(''), decoded };
}
