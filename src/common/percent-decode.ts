/** Whether the UTF-16 code unit c is an ASCII hex digit. */
export const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
const hexValue = (c: number): number => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);

/**
 * Percent-decoding as servers read a path or query component: every `%XX` becomes its byte, the bytes are
 * read as UTF-8 (a byte sequence that is not UTF-8 becomes U+FFFD, as Go's strings reach JSON and as
 * Node's Buffer reads it), and a `%` not followed by two hex digits stays as it is. `plus`: '+' is a space
 * (query components and forms). decodeURIComponent instead throws for the whole string when one escape
 * is malformed or not UTF-8 — a caller keeping the raw text then misses every other escape in it.
 */
export function percentDecode(s: string, plus = false): string {
  const t = plus && s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!t.includes('%')) return t;
  try { return decodeURIComponent(t); } catch { /* a malformed or non-UTF-8 escape: byte by byte */ }
  // one buffer for the whole result (escapes only shrink the text): a Buffer per escape cost 0.6 s for 2 MB
  const out = Buffer.allocUnsafe(Buffer.byteLength(t, 'utf8'));
  let o = 0;
  let lit = 0;
  for (let i = 0; i < t.length; i++) {
    if (t.charCodeAt(i) !== 0x25 || !isHex(t.charCodeAt(i + 1)) || !isHex(t.charCodeAt(i + 2))) continue;
    if (i > lit) o += out.write(t.slice(lit, i), o, 'utf8');
    out[o++] = hexValue(t.charCodeAt(i + 1)) * 16 + hexValue(t.charCodeAt(i + 2));
    i += 2;
    lit = i + 1;
  }
  if (lit < t.length) o += out.write(t.slice(lit), o, 'utf8');
  return out.toString('utf8', 0, o);
}

/** A query or form component as servers decode it: '+' is a space, each escape on its own. */
export const decodeQueryComponent = (s: string): string => percentDecode(s, true);
