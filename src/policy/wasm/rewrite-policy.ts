import { WasmFormatError } from './binary-reader.js';
import { instrumentLoops } from './deadline-instrument.js';
import { exportMutableGlobals, refuseReservedExports } from './export-globals.js';
import { readLayout } from './module-layout.js';
import { readSections, writeSections } from './module-sections.js';

/** Why the engine refuses these bytes (its compile error names the function and byte offset). */
function invalidBecause(wasm: Uint8Array): string {
  try {
    new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  } catch (err) {
    return (err as Error).message;
  }
  return 'the engine refuses it';
}

/**
 * policy.wasm as Portcullis runs it, rewritten once per compile: its mutable globals exported (so a
 * throw can be undone, call-guard.ts), and every loop counting towards a clock check (the evaluation
 * deadline, deadline-instrument.ts). The bytes are validated first: the rewriter's decoders see only
 * valid modules, and an index that only the appended globals, type or table slot would satisfy cannot
 * turn an invalid module into a valid one (which could then reset its own deadline counter). Throws
 * WasmFormatError or UnknownInstructionError naming what cannot be rewritten.
 */
export function rewritePolicy(wasm: Uint8Array): { wasm: Uint8Array; loops: number } {
  if (!WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>)) throw new WasmFormatError(`not a valid WebAssembly module: ${invalidBecause(wasm)}`);
  const sections = readSections(wasm);
  const layout = readLayout(sections);
  refuseReservedExports(layout);
  exportMutableGlobals(sections, layout);
  const { loops } = instrumentLoops(sections, layout);
  return { wasm: writeSections(sections), loops };
}
