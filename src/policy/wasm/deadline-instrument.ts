import { BinaryReader, WasmFormatError } from './binary-reader.js';
import { concat, s32, u32 } from './binary-writer.js';
import { GUARD_PREFIX, addExports } from './export-globals.js';
import { OP, readInstruction, UnknownInstructionError } from './instructions.js';
import { readLimits, type ModuleLayout } from './module-layout.js';
import { SECTION, appendToVectorSection, findSection, putSection, type Section } from './module-sections.js';

/** Exports the instrumentation adds (eval-deadline.ts finds them by these names). */
export const DEADLINE_EXPORTS = {
  table: `${GUARD_PREFIX}table`,
  /** Immutable i32: the table slot the tick function goes into. */
  slot: `${GUARD_PREFIX}tick_slot`,
  /** Mutable i32: loop iterations left before the next tick. */
  counter: `${GUARD_PREFIX}tick_counter`,
} as const;

/**
 * The counter's value until the engine sets it: the loop iterations the start function and the ABI
 * calls opa-wasm makes while setting an instance up (builtins, entrypoints, loading "{}") may run
 * together before the tick slot is filled; the next one calls the empty slot and traps. An opa-built
 * policy with 400 long-named entrypoints uses about 111 000; 2²⁶ (about 0.1 s of looping) leaves a margin
 * of 600×. It was 2³¹ − 1: about 3 s of a frozen thread before a module that loops there was refused.
 */
export const COUNTER_AT_START = 1 << 26;

const FUNCREF = 0x70;

/** The tick type `() -> i32` appended to the type section; returns its index. */
function addTickType(sections: Section[]): number {
  return appendToVectorSection(sections, SECTION.type, 1, [0x60, 0x00, 0x01, 0x7f]);
}

/** One more slot at the end of table 0 (made if the module has no table); returns the slot's index. */
function addTableSlot(sections: Section[], layout: ModuleLayout): number {
  if (layout.importedTables > 0) throw new WasmFormatError('the module imports a table');
  const s = findSection(sections, SECTION.table);
  if (!s) {
    putSection(sections, SECTION.table, new Uint8Array([0x01, FUNCREF, 0x01, 0x01, 0x01]));
    return 0;
  }
  const r = new BinaryReader(s.payload);
  const count = r.u32();
  if (count === 0) {
    putSection(sections, SECTION.table, new Uint8Array([0x01, FUNCREF, 0x01, 0x01, 0x01]));
    return 0;
  }
  const type = r.byte();
  if (type !== FUNCREF) throw new WasmFormatError(`table 0 holds type 0x${type.toString(16)}, not funcref`);
  const { min, max } = readLimits(r);
  if (min >= 0xffffffff) throw new WasmFormatError('table 0 is full');
  const limits = max === undefined ? [0x00, ...u32(min + 1)] : [0x01, ...u32(min + 1), ...u32(Math.max(max, min + 1))];
  putSection(sections, SECTION.table, concat([u32(count), [FUNCREF], limits, s.payload.subarray(r.pos)]));
  return min;
}

/** Appends globals; returns the index of the first. */
function addGlobals(sections: Section[], layout: ModuleLayout, entries: ReadonlyArray<{ mutable: boolean; value: number }>): number {
  const added = entries.flatMap((g) => [0x7f, g.mutable ? 1 : 0, 0x41, ...s32(g.value), OP.end]);
  appendToVectorSection(sections, SECTION.global, entries.length, added);
  const first = layout.importedGlobals + layout.globals.length;
  for (const g of entries) layout.globals.push({ type: 0x7f, mutable: g.mutable });
  return first;
}

/**
 * The tick function appended to the module: `() -> i32 { return table[slot]() }` (call_indirect of the
 * tick type through table 0). Appended at the end of the function index space, so it renumbers nothing;
 * returns its function index.
 */
function addTickFunction(sections: Section[], layout: ModuleLayout, code: Section, slot: number, tickType: number): number {
  const defined = appendToVectorSection(sections, SECTION.function, 1, u32(tickType));
  const body = [0x00, 0x41, ...s32(slot), 0x11, ...u32(tickType), 0x00, OP.end]; // no locals; i32.const slot; call_indirect tick 0; end
  const r = new BinaryReader(code.payload);
  const bodies = r.u32();
  if (bodies !== defined) throw new WasmFormatError(`${defined} functions declared, ${bodies} bodies`);
  code.payload = concat([u32(bodies + 1), code.payload.subarray(r.pos), u32(body.length), body]);
  return layout.importedFunctions + defined;
}

/**
 * The code run at the top of every loop iteration:
 *   counter -= 1; if (counter == 0) counter = tick()   ;; a direct call of the added tick function
 * A direct call, not the tick function's call_indirect inlined into every loop: V8's optimizing compiler
 * makes slower code of a loop holding a call_indirect (its table and signature loads, the instance
 * fields they keep live) than of one holding a plain call, and OPA's runtime spends most of an
 * evaluation in small loops (hashing, memmove, strlen, JSON lexing, malloc's free list).
 */
function probe(counter: number, tick: number): number[] {
  const g = u32(counter);
  return [
    0x23, ...g, 0x41, 0x01, 0x6b, 0x24, ...g, // global.get c; i32.const 1; i32.sub; global.set c
    0x23, ...g, 0x45, 0x04, 0x40, // global.get c; i32.eqz; if
    0x10, ...u32(tick), // call $tick
    0x24, ...g, OP.end, // global.set c; end
  ];
}

const LOCAL_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x70, 0x6f]);

/** The code section with `insert` placed after every `loop` header; counts the loops. */
export function rewriteLoops(code: Uint8Array, insert: readonly number[]): { payload: Uint8Array; loops: number } {
  const r = new BinaryReader(code);
  const count = r.u32();
  const parts: Array<Uint8Array | readonly number[]> = [u32(count)];
  let loops = 0;
  for (let f = 0; f < count; f++) {
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    const body = new BinaryReader(code, start, start + size);
    for (let n = body.u32(); n > 0; n--) {
      body.u32();
      const t = body.byte();
      if (!LOCAL_TYPES.has(t)) throw new UnknownInstructionError(`local of value type 0x${t.toString(16)}`, body.pos - 1);
    }
    const pieces: Array<Uint8Array | readonly number[]> = [];
    let copied = start;
    let op = -1;
    while (!body.done) {
      op = readInstruction(body);
      if (op === OP.loop) {
        pieces.push(code.subarray(copied, body.pos), insert);
        copied = body.pos;
        loops++;
      }
    }
    if (op !== OP.end) throw new WasmFormatError(`function body ${f} does not end with "end"`);
    pieces.push(code.subarray(copied, start + size));
    const newBody = concat(pieces);
    parts.push(u32(newBody.length), newBody);
  }
  if (!r.done) throw new WasmFormatError('bytes after the last function body');
  return { payload: concat(parts), loops };
}

/**
 * Instrument a module for an evaluation deadline. Every `loop` header counts down a new mutable i32
 * global; when it reaches zero the loop calls an added function that calls the function the engine puts
 * in a new slot at the end of table 0 (eval-deadline.ts), which checks the clock and returns a new count
 * or throws. Appending a type, a function, a table slot, globals and exports renumbers nothing, so the
 * function index space, element segments and the name section stay valid; only the code section's
 * bodies grow.
 */
export function instrumentLoops(sections: Section[], layout: ModuleLayout): { loops: number } {
  const code = findSection(sections, SECTION.code);
  const tickType = addTickType(sections);
  const slot = addTableSlot(sections, layout);
  const counter = addGlobals(sections, layout, [{ mutable: true, value: COUNTER_AT_START }, { mutable: false, value: slot }]);
  addExports(sections, layout, [
    { name: DEADLINE_EXPORTS.table, kind: 1, index: 0 },
    { name: DEADLINE_EXPORTS.counter, kind: 3, index: counter },
    { name: DEADLINE_EXPORTS.slot, kind: 3, index: counter + 1 },
  ]);
  if (!code) return { loops: 0 };
  const tick = layout.importedFunctions + new BinaryReader(code.payload).u32(); // the index the tick function gets
  const out = rewriteLoops(code.payload, probe(counter, tick));
  code.payload = out.payload;
  if (addTickFunction(sections, layout, code, slot, tickType) !== tick) throw new WasmFormatError('the tick function did not get the index its calls use');
  return { loops: out.loops };
}
