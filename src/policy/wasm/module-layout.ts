import { BinaryReader, WasmFormatError } from './binary-reader.js';
import { skipConstExpr } from './instructions.js';
import { SECTION, findSection, type Section } from './module-sections.js';

/** What the rewriters need to know about a module's index spaces and exports. */
export interface ModuleLayout {
  importedFunctions: number;
  importedTables: number;
  importedGlobals: number;
  /** The module's own globals, in index order after the imported ones. */
  globals: Array<{ type: number; mutable: boolean }>;
  exportNames: Set<string>;
}

export function readLimits(r: BinaryReader): { min: number; max?: number } {
  const flags = r.byte();
  if (flags > 3) throw new WasmFormatError(`limits flags 0x${flags.toString(16)} (64-bit memories and tables are not supported)`);
  const min = r.u32();
  return (flags & 1) !== 0 ? { min, max: r.u32() } : { min };
}

export function readLayout(sections: readonly Section[]): ModuleLayout {
  const layout: ModuleLayout = { importedFunctions: 0, importedTables: 0, importedGlobals: 0, globals: [], exportNames: new Set() };
  const imports = findSection(sections, SECTION.import);
  if (imports) {
    const r = new BinaryReader(imports.payload);
    for (let n = r.u32(); n > 0; n--) {
      r.name();
      r.name();
      const kind = r.byte();
      if (kind === 0) { r.u32(); layout.importedFunctions++; }
      else if (kind === 1) { r.byte(); readLimits(r); layout.importedTables++; }
      else if (kind === 2) readLimits(r);
      else if (kind === 3) { r.byte(); r.byte(); layout.importedGlobals++; }
      else if (kind === 4) { r.byte(); r.u32(); }
      else throw new WasmFormatError(`import kind ${kind}`);
    }
  }
  const globals = findSection(sections, SECTION.global);
  if (globals) {
    const r = new BinaryReader(globals.payload);
    for (let n = r.u32(); n > 0; n--) {
      const type = r.byte();
      const mut = r.byte();
      if (mut > 1) throw new WasmFormatError(`global mutability ${mut}`);
      skipConstExpr(r);
      layout.globals.push({ type, mutable: mut === 1 });
    }
  }
  const exports = findSection(sections, SECTION.export);
  if (exports) {
    const r = new BinaryReader(exports.payload);
    for (let n = r.u32(); n > 0; n--) {
      layout.exportNames.add(r.name());
      r.byte();
      r.u32();
    }
  }
  return layout;
}
