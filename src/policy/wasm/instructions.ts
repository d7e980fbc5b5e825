import { BinaryReader } from './binary-reader.js';

/**
 * Decoding WebAssembly instructions (to find `loop` headers and const-expression ends): every opcode of
 * the MVP and of the sign-extension, non-trapping float-to-int, bulk-memory and reference-types
 * proposals, with its immediates. Anything else (SIMD, threads, exceptions, tail calls, GC, multi-memory
 * memargs) is refused with UnknownInstructionError naming it: skipping bytes we cannot size would make
 * every later instruction boundary a guess.
 */
export class UnknownInstructionError extends Error {
  constructor(readonly opcode: string, readonly offset: number) {
    super(`unsupported Wasm instruction ${opcode} at byte ${offset}`);
  }
}

export const OP = { block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b } as const;

/** Value types of the supported proposals (a block type of one byte, a select type, a local's type). */
const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x70, 0x6f]);

function blockType(r: BinaryReader): void {
  const b = r.peek();
  if (b === 0x40 || VALTYPES.has(b)) r.byte();
  else r.skipSigned(33); // a type index (multi-value)
}

function valType(r: BinaryReader, at: number): void {
  const t = r.byte();
  if (!VALTYPES.has(t)) throw new UnknownInstructionError(`value type 0x${t.toString(16)}`, at);
}

function memarg(r: BinaryReader, at: number, op: number): void {
  const align = r.u32();
  if (align >= 0x40) throw new UnknownInstructionError(`0x${op.toString(16)} with a memory index (multi-memory)`, at);
  r.u32();
}

/** The 0xFC-prefixed instructions' immediates: trunc_sat (0–7), bulk memory (8–11), tables (12–17). */
function prefixedFC(r: BinaryReader, at: number): number {
  const sub = r.u32();
  if (sub <= 7) return sub;
  switch (sub) {
    case 8: r.u32(); zeroByte(r, at, 'memory.init'); break; // data index, memory 0
    case 9: r.u32(); break; // data.drop
    case 10: zeroByte(r, at, 'memory.copy'); zeroByte(r, at, 'memory.copy'); break;
    case 11: zeroByte(r, at, 'memory.fill'); break;
    case 12: r.u32(); r.u32(); break; // table.init elem, table
    case 13: r.u32(); break; // elem.drop
    case 14: r.u32(); r.u32(); break; // table.copy
    case 15: case 16: case 17: r.u32(); break; // table.grow / size / fill
    default: throw new UnknownInstructionError(`0xfc ${sub}`, at);
  }
  return sub;
}

function zeroByte(r: BinaryReader, at: number, what: string): void {
  if (r.u32() !== 0) throw new UnknownInstructionError(`${what} on a memory other than 0 (multi-memory)`, at);
}

/**
 * Reads one instruction at r.pos and its immediates; returns its opcode (0xFC-prefixed ones as
 * 0xFC00 + sub-opcode). Throws UnknownInstructionError for an instruction outside the supported set.
 */
export function readInstruction(r: BinaryReader): number {
  const at = r.pos;
  const op = r.byte();
  if (op >= 0x45 && op <= 0xc4) return op; // numeric (MVP 0x45–0xBF) and sign extension (0xC0–0xC4): no immediates
  if (op >= 0x28 && op <= 0x3e) { memarg(r, at, op); return op; } // loads and stores
  switch (op) {
    case 0x00: case 0x01: case 0x05: case 0x0b: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
      return op; // unreachable nop else end return drop select ref.is_null
    case 0x02: case 0x03: case 0x04:
      blockType(r); return op;
    case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: case 0xd2:
      r.u32(); return op; // br br_if call local.* global.* table.get table.set ref.func
    case 0x0e: {
      for (let n = r.u32(); n >= 0; n--) r.u32(); // the labels, then the default
      return op;
    }
    case 0x11: r.u32(); r.u32(); return op; // call_indirect type, table
    case 0x1c: for (let n = r.u32(); n > 0; n--) valType(r, at); return op; // typed select
    case 0x3f: case 0x40: zeroByte(r, at, op === 0x3f ? 'memory.size' : 'memory.grow'); return op;
    case 0x41: r.skipSigned(32); return op;
    case 0x42: r.skipSigned(64); return op;
    case 0x43: r.skip(4); return op;
    case 0x44: r.skip(8); return op;
    case 0xd0: { // ref.null t
      const t = r.byte();
      if (t !== 0x70 && t !== 0x6f) throw new UnknownInstructionError(`ref.null 0x${t.toString(16)}`, at);
      return op;
    }
    case 0xfc: return 0xfc00 + prefixedFC(r, at);
    default: throw new UnknownInstructionError(NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`, at);
  }
}

/** Names of the opcodes we deliberately refuse, for the error message. */
const NAMES: Record<number, string> = {
  0x06: '0x06 (try, exception handling)', 0x07: '0x07 (catch, exception handling)', 0x08: '0x08 (throw, exception handling)',
  0x09: '0x09 (rethrow, exception handling)', 0x0a: '0x0a (throw_ref, exception handling)', 0x12: '0x12 (return_call, tail calls)',
  0x13: '0x13 (return_call_indirect, tail calls)', 0x18: '0x18 (delegate, exception handling)', 0x19: '0x19 (catch_all, exception handling)',
  0x1f: '0x1f (try_table, exception handling)', 0xfb: '0xfb (GC)', 0xfd: '0xfd (SIMD)', 0xfe: '0xfe (threads/atomics)',
};

/** Skips a constant expression (global initializers, segment offsets) up to and including its `end`. */
export function skipConstExpr(r: BinaryReader): void {
  for (;;) if (readInstruction(r) === OP.end) return;
}
