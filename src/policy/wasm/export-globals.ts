import { WasmFormatError } from './binary-reader.js';
import { name, u32 } from './binary-writer.js';
import type { ModuleLayout } from './module-layout.js';
import { SECTION, appendToVectorSection, type Section } from './module-sections.js';

/** Export names the rewriters add; a module that already uses the prefix is refused. */
export const GUARD_PREFIX = 'portcullis_guard_';
export const GLOBAL_EXPORT_PREFIX = `${GUARD_PREFIX}global_`;

/** Refuses a module that already exports a name with the rewriters' prefix (CallGuard takes every global_ one for its own). */
export function refuseReservedExports(layout: ModuleLayout): void {
  for (const n of layout.exportNames) {
    if (n.startsWith(GUARD_PREFIX)) throw new WasmFormatError(`the module already exports "${n.slice(0, 100)}" (names starting with ${GUARD_PREFIX} are reserved for Portcullis's rewriter)`);
  }
}

/** Append export entries (kind: 0 func, 1 table, 2 memory, 3 global) to the export section, creating it if needed. */
export function addExports(sections: Section[], layout: ModuleLayout, entries: ReadonlyArray<{ name: string; kind: number; index: number }>): void {
  for (const e of entries) {
    if (layout.exportNames.has(e.name)) throw new WasmFormatError(`the module already exports "${e.name}"`);
    layout.exportNames.add(e.name);
  }
  const added = entries.flatMap((e) => [...name(e.name), e.kind, ...u32(e.index)]);
  appendToVectorSection(sections, SECTION.export, entries.length, added);
}

/**
 * Export every mutable global the module defines, as portcullis_guard_global_<index>. An OPA policy
 * has one: the C stack pointer (`__stack_pointer`). A JavaScript exception thrown through the Wasm
 * (opa_abort on "opa_malloc: failed", a builtin's error, the evaluation deadline) unwinds the Wasm
 * frames without running their epilogues, so the stack pointer stays where the innermost frame moved
 * it; the engine reads these globals before each call and writes them back after a throw
 * (wasm/call-guard.ts). Appending export entries renumbers nothing.
 */
export function exportMutableGlobals(sections: Section[], layout: ModuleLayout): number {
  const entries = layout.globals.flatMap((g, i) => {
    const index = layout.importedGlobals + i;
    return g.mutable ? [{ name: `${GLOBAL_EXPORT_PREFIX}${index}`, kind: 3, index }] : [];
  });
  if (entries.length > 0) addExports(sections, layout, entries);
  return entries.length;
}
