import { isUtf8 } from 'node:buffer';

/**
 * True when a body is text: valid UTF-8 with no C0 control other than tab, LF, CR and form feed. Images,
 * archives, compressed and protobuf bodies fail it (NULs, controls, bytes that are not UTF-8). Linear.
 */
export function textLike(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 32 && c !== 9 && c !== 10 && c !== 12 && c !== 13) return false;
    if (c === 127) return false;
  }
  return isUtf8(b);
}
