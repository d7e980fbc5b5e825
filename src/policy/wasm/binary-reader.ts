/** A cursor over WebAssembly binary bytes: LEB128 integers and raw bytes. Throws WasmFormatError past the end. */
export class WasmFormatError extends Error {}

export class BinaryReader {
  constructor(readonly bytes: Uint8Array, public pos = 0, readonly end = bytes.length) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError(`truncated at byte ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  peek(): number {
    if (this.pos >= this.end) throw new WasmFormatError(`truncated at byte ${this.pos}`);
    return this.bytes[this.pos]!;
  }

  /** Unsigned LEB128, at most 32 bits. */
  u32(): number {
    let r = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      r += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (r > 0xffffffff) throw new WasmFormatError(`u32 out of range at byte ${this.pos}`);
        return r;
      }
    }
    throw new WasmFormatError(`u32 longer than 5 bytes at byte ${this.pos}`);
  }

  /** Skips a signed LEB128 of at most `bits` bits (s32, s33 block types, s64). */
  skipSigned(bits: number): void {
    const max = Math.ceil(bits / 7);
    for (let i = 0; i < max; i++) if ((this.byte() & 0x80) === 0) return;
    throw new WasmFormatError(`s${bits} longer than ${max} bytes at byte ${this.pos}`);
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw new WasmFormatError(`truncated at byte ${this.pos}`);
    this.pos += n;
  }

  /** A length-prefixed UTF-8 name. */
  name(): string {
    const n = this.u32();
    const start = this.pos;
    this.skip(n);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, n).toString('utf8');
  }
}
