import { BinaryReader, WasmFormatError } from './binary-reader.js';
import { concat, u32 } from './binary-writer.js';

/** One section of a Wasm module: its id and its payload (a view of the module's bytes, or new bytes). */
export interface Section {
  id: number;
  payload: Uint8Array;
}

export const SECTION = { custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, element: 9, code: 10, data: 11, dataCount: 12, tag: 13 } as const;

/** Where each non-custom section must appear (the binary format's order; tag sits between memory and global). */
const ORDER: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A module's sections in order. Throws WasmFormatError for a bad header or truncated sections. */
export function readSections(wasm: Uint8Array): Section[] {
  if (wasm.length < 8 || HEADER.some((b, i) => wasm[i] !== b)) throw new WasmFormatError('not a WebAssembly 1.0 module (bad header)');
  const r = new BinaryReader(wasm, 8);
  const out: Section[] = [];
  while (!r.done) {
    const id = r.byte();
    if (id !== 0 && ORDER[id] === undefined) throw new WasmFormatError(`unknown section id ${id}`);
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    out.push({ id, payload: wasm.subarray(start, start + size) });
  }
  return out;
}

export function writeSections(sections: readonly Section[]): Uint8Array {
  const parts: Array<Uint8Array | number[]> = [HEADER];
  for (const s of sections) parts.push([s.id, ...u32(s.payload.length)], s.payload);
  return concat(parts);
}

/** The section with this id (not custom), or undefined. */
export function findSection(sections: readonly Section[], id: number): Section | undefined {
  return sections.find((s) => s.id === id);
}

/**
 * Append `count` entries (already encoded, `entries`) to the vector that makes up the section with this id
 * (type, global, export…), creating the section if the module has none; returns how many it held before.
 */
export function appendToVectorSection(sections: Section[], id: number, count: number, entries: Uint8Array | readonly number[]): number {
  const s = findSection(sections, id);
  let before = 0;
  let rest: Uint8Array = new Uint8Array(0);
  if (s) {
    const r = new BinaryReader(s.payload);
    before = r.u32();
    rest = s.payload.subarray(r.pos);
  }
  putSection(sections, id, concat([u32(before + count), rest, entries]));
  return before;
}

/** Replace the section with this id, or insert it where the binary format's order puts it. */
export function putSection(sections: Section[], id: number, payload: Uint8Array): void {
  const existing = findSection(sections, id);
  if (existing) {
    existing.payload = payload;
    return;
  }
  const rank = ORDER[id]!;
  let at = sections.length;
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i]!;
    if (s.id !== 0 && ORDER[s.id]! > rank) { at = i; break; }
  }
  sections.splice(at, 0, { id, payload });
}
