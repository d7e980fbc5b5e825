import { readFileSync, statSync } from 'node:fs';
import { readBundleDir } from '../bundle/archive.js';
import { dataValue, loadBundleArchive, loadBundleFiles, type LoadedBundle } from '../bundle/load.js';
import { readDataFile } from '../data/read.js';
import { applyOverlays, type Overlay } from '../data/overlay.js';
import { WasmEngine } from '../wasm/engine.js';

/** A bundle file or directory from the command line. */
export async function loadLocalBundle(path: string): Promise<LoadedBundle> {
  return statSync(path).isDirectory() ? loadBundleFiles(await readBundleDir(path)) : loadBundleArchive(readFileSync(path));
}

/** --data path=file.json (repeatable) → overlays, like the service's data sources. */
export async function dataOverlays(specs: string[]): Promise<Overlay[]> {
  const out: Overlay[] = [];
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`--data expects path=file (got "${s}")`);
    out.push({ path: s.slice(0, eq).split('/').filter(Boolean), value: await readDataFile(s.slice(eq + 1)) });
  }
  return out;
}

export async function localEngine(bundlePath: string, data: string[]): Promise<{ loaded: LoadedBundle; engine: WasmEngine }> {
  const loaded = await loadLocalBundle(bundlePath);
  const engine = await WasmEngine.create(loaded.compiled, applyOverlays(dataValue(loaded.data), await dataOverlays(data)));
  return { loaded, engine };
}
