/** Encoding WebAssembly binary pieces: LEB128 integers, names, and byte concatenation. */

export function u32(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`);
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

export function s32(n: number): number[] {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) throw new RangeError(`not an s32: ${n}`);
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    const signBit = (b & 0x40) !== 0;
    if ((n === 0 && !signBit) || (n === -1 && signBit)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function name(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  return [...u32(b.length), ...b];
}

export function concat(parts: ReadonlyArray<Uint8Array | readonly number[]>): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
