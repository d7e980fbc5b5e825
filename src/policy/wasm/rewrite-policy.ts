import { instrumentLoops } from './deadline-instrument.js';
import { exportMutableGlobals } from './export-globals.js';
import { readLayout } from './module-layout.js';
import { readSections, writeSections } from './module-sections.js';

/**
 * policy.wasm as Portcullis runs it, rewritten once per compile: its mutable globals exported (so a
 * throw can be undone, call-guard.ts), and every loop counting towards a clock check (the evaluation
 * deadline, deadline-instrument.ts). Throws WasmFormatError or UnknownInstructionError naming what
 * cannot be rewritten.
 */
export function rewritePolicy(wasm: Uint8Array): { wasm: Uint8Array; loops: number } {
  const sections = readSections(wasm);
  const layout = readLayout(sections);
  exportMutableGlobals(sections, layout);
  const { loops } = instrumentLoops(sections, layout);
  return { wasm: writeSections(sections), loops };
}
