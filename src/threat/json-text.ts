/**
 * The text of a JSON body as the application's parser reads it. RFC 8259 requires UTF-8, but RFC 4627 §3
 * let JSON be UTF-16 or UTF-32 and told the encoding by the NUL bytes among the first four (two ASCII
 * characters always start a JSON text), and widely used parsers still do: Jackson (Spring's @RequestBody)
 * and Python's json.loads of bytes (Flask, Django) detect UTF-16/32 by those NULs or a byte order mark
 * without any charset parameter. Read as UTF-8, such a body is every other character a NUL, and no
 * detector reads what the application will.
 */

export type JsonEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'utf32le' | 'utf32be';

/** The encoding a JSON body's first bytes tell (RFC 4627 §3, and a UTF-16/32 byte order mark). */
export function jsonEncoding(b: Buffer): JsonEncoding {
  if (b.length < 2) return 'utf8';
  const b0 = b[0]!, b1 = b[1]!, b2 = b.length > 2 ? b[2]! : -1, b3 = b.length > 3 ? b[3]! : -1;
  if (b0 === 0 && b1 === 0 && (b2 === 0 ? b3 !== 0 : b2 === 0xfe && b3 === 0xff)) return 'utf32be';
  if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) return 'utf32le';
  if (b0 !== 0 && b1 === 0 && b2 === 0 && b3 === 0) return 'utf32le';
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0 && b1 !== 0)) return 'utf16be';
  if ((b0 === 0xff && b1 === 0xfe) || (b0 !== 0 && b1 === 0)) return 'utf16le';
  return 'utf8';
}

/** UTF-16 bytes in the byte order given (a trailing odd byte ignored), a leading byte order mark dropped. */
export function utf16Text(b: Uint8Array, be: boolean): string {
  const len = b.length & ~1;
  const u = be ? Buffer.from(b.subarray(0, len)).swap16() : Buffer.from(b.buffer, b.byteOffset, len);
  const s = u.toString('utf16le');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/**
 * The body decoded by jsonEncoding (a byte order mark dropped — UTF-16/32, and UTF-8's, which Jackson and
 * json.loads skip too, RFC 8259 §8.1; units that are no character: U+FFFD).
 */
export function jsonText(b: Buffer): string {
  const enc = jsonEncoding(b);
  if (enc === 'utf8') return b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.toString('utf8', 3) : b.toString('utf8');
  if (enc === 'utf16le' || enc === 'utf16be') return utf16Text(b, enc === 'utf16be');
  const le = enc === 'utf32le';
  const parts: string[] = [];
  const CHUNK = 4096;
  let units: number[] = [];
  for (let i = 0; i + 3 < b.length; i += 4) {
    const cp = le ? b.readUInt32LE(i) : b.readUInt32BE(i);
    if (i === 0 && cp === 0xfeff) continue;
    units.push(cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp);
    if (units.length === CHUNK) { parts.push(String.fromCodePoint(...units)); units = []; }
  }
  if (units.length > 0) parts.push(String.fromCodePoint(...units));
  return parts.join('');
}
