/** Test encoders for JSON bodies in the Unicode encodings RFC 4627 sniffing recognises. */
export function utf32(s: string, le: boolean): Buffer {
  const cps = [...s].map((c) => c.codePointAt(0)!);
  const b = Buffer.alloc(cps.length * 4);
  cps.forEach((cp, i) => (le ? b.writeUInt32LE(cp, i * 4) : b.writeUInt32BE(cp, i * 4)));
  return b;
}

export const utf16be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();
