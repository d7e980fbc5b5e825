import { exportMutableGlobals } from './export-globals.js';
import { readLayout } from './module-layout.js';
import { readSections, writeSections } from './module-sections.js';

/**
 * policy.wasm as Portcullis runs it, rewritten once per compile: its mutable globals exported (so a
 * throw can be undone, call-guard.ts). Throws WasmFormatError or UnknownInstructionError naming what
 * cannot be rewritten.
 */
export function rewritePolicy(wasm: Uint8Array): Uint8Array {
  const sections = readSections(wasm);
  const layout = readLayout(sections);
  exportMutableGlobals(sections, layout);
  return writeSections(sections);
}
