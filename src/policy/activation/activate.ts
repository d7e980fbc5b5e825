import type { Logger } from 'pino';
import type { BundleFiles } from '../bundle/archive.js';
import { dataValue, loadBundleArchive, loadBundleFiles, type LoadedBundle, type LoadOptions } from '../bundle/load.js';
import { docValue, type DataDoc } from '../data/data-doc.js';
import { packFields } from '../data/hash-fields.js';
import { applyOverlays, type DocOverlay } from '../data/overlay.js';
import { hashDoc, readDataFileDoc } from '../data/read.js';
import { DEFAULT_MEMORY, PolicyLoadError, WasmEngine, type MemoryOptions } from '../wasm/engine.js';
import type { PolicySnapshot } from '../wasm/snapshot.js';
import { activationWorker, WorkerUnavailableError } from './client.js';
import type { WireBundle, WireOverlay } from './protocol.js';

/**
 * Where bundles are activated. `worker` (default): unpacking, signature and data checks, compiling and
 * loading the data into Wasm run in a worker thread, and the main thread — which answers Checks — only
 * copies the finished Wasm memory in slices. Data sources' documents are read, parsed and compared
 * there too (data/read.ts), and laid over the bundle's data as text (data/lay-json.ts). `inline`: all
 * of it on the main thread, as before (a large data.json or data file then stalls every Check for
 * seconds). PORTCULLIS_POLICY_ACTIVATION=inline selects it.
 */
export type ActivationMode = 'worker' | 'inline';

let warnedMode = false;

export function activationMode(logger?: Logger): ActivationMode {
  const v = process.env.PORTCULLIS_POLICY_ACTIVATION;
  if (v === undefined || v === '' || v === 'worker') return 'worker';
  if (v === 'inline') return 'inline';
  if (!warnedMode) {
    warnedMode = true;
    logger?.warn({ PORTCULLIS_POLICY_ACTIVATION: v.slice(0, 40) }, 'PORTCULLIS_POLICY_ACTIVATION must be worker or inline; using worker');
  }
  return 'worker';
}

let warnedUnavailable = false;

function unavailable(err: Error, logger: Logger): void {
  if (warnedUnavailable) return;
  warnedUnavailable = true;
  logger.warn({ error: err.message }, 'policy bundles are activated on the main thread: Checks wait while a large bundle loads');
}

function fromWire(w: WireBundle): LoadedBundle {
  return {
    bundle: { revision: w.revision, manifest: w.manifest, fileCount: w.fileCount, wasm: Buffer.from(w.wasm.buffer, w.wasm.byteOffset, w.wasm.byteLength) },
    data: { json: w.json },
    compiled: { module: w.module, entrypoints: w.entrypoints, requiredBuiltins: w.requiredBuiltins },
    digest: w.digest,
    loadedAt: Date.now(),
    restorable: w.restorable,
  };
}

async function offThread<T>(logger: Logger, work: () => Promise<T>, inline: () => Promise<T>): Promise<T> {
  if (activationMode(logger) === 'inline') return inline();
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof WorkerUnavailableError)) throw err;
    unavailable(err, logger);
    return inline();
  }
}

/** Bundle archive bytes (.tar.gz or plain tar) → LoadedBundle. Throws what is wrong with the bundle. */
export function loadArchive(bytes: Buffer, opts: LoadOptions, logger: Logger): Promise<LoadedBundle> {
  return offThread(logger,
    async () => fromWire(await activationWorker.request<WireBundle>({ op: 'load', archive: bytes, opts })),
    () => loadBundleArchive(bytes, opts));
}

/** A bundle directory's files → LoadedBundle. */
export function loadFiles(files: BundleFiles, opts: LoadOptions, logger: Logger): Promise<LoadedBundle> {
  return offThread(logger,
    async () => fromWire(await activationWorker.request<WireBundle>({ op: 'load', files: [...files] , opts })),
    () => loadBundleFiles(files, opts));
}

/**
 * A data file's document (read, size-checked, parsed and digested off the main thread); undefined when
 * its bytes are the ones `known` names. Throws DataFormatError (or the file system's error) naming the file.
 */
export function loadDataFile(file: string, known: string | undefined, logger: Logger): Promise<DataDoc | undefined> {
  return offThread(logger,
    async () => (await activationWorker.request<DataDoc | null>({ op: 'data-file', file, known })) ?? undefined,
    () => readDataFileDoc(file, known, 'value'));
}

/**
 * A Redis hash's fields (as HGETALL returned them) → its document, parsed and digested off the main
 * thread; the fields are handed over packed in slices (data/hash-fields.ts).
 */
export function loadDataHash(hash: string, fields: Record<string, string>, values: 'json' | 'string', known: string | undefined, logger: Logger): Promise<DataDoc | undefined> {
  return offThread(logger,
    async () => (await activationWorker.request<DataDoc | null>({ op: 'data-hash', hash, fields: await packFields(fields), values, known })) ?? undefined,
    async () => hashDoc(hash, fields, values, known, 'value'));
}

/** Overlays as the worker takes them: worker-read documents as their shared JSON text (no copy), others as values. */
function wireOverlays(overlays: readonly DocOverlay[]): WireOverlay[] {
  return overlays.map((o) => ({ path: [...o.path], json: o.doc?.json, value: o.doc?.json ? undefined : o.doc?.value }));
}

/**
 * A ready engine for a loaded bundle with data sources laid over its data. Off the main thread when
 * the bundle was loaded there and its module allows it; otherwise (and after an unexpected failure to
 * take the worker's instance over, which is logged) on the main thread. Throws PolicyLoadError.
 */
export async function buildEngine(lb: LoadedBundle, overlays: readonly DocOverlay[], memory: MemoryOptions = DEFAULT_MEMORY, logger: Logger): Promise<WasmEngine> {
  const inline = (): Promise<WasmEngine> =>
    WasmEngine.create(lb.compiled, applyOverlays(dataValue(lb.data), overlays.map((o) => ({ path: o.path, value: o.doc && docValue(o.doc) }))), memory);
  if (lb.data.json === undefined || activationMode(logger) === 'inline') return inline();
  if (!lb.restorable) {
    logger.warn({ revision: lb.bundle.revision }, 'this policy.wasm keeps state outside its memory: its data is loaded on the main thread');
    return inline();
  }
  let snap: PolicySnapshot;
  try {
    snap = await activationWorker.request<PolicySnapshot>({ op: 'build', module: lb.compiled.module, json: lb.data.json, overlays: wireOverlays(overlays), memory });
  } catch (err) {
    if (!(err instanceof WorkerUnavailableError)) throw err;
    unavailable(err, logger);
    return inline();
  }
  try {
    return await WasmEngine.fromSnapshot(lb.compiled, snap, memory);
  } catch (err) {
    if (err instanceof PolicyLoadError) throw err;
    logger.warn({ revision: lb.bundle.revision, error: (err as Error).message }, 'cannot take over the policy instance built off the main thread; loading its data on the main thread');
    return inline();
  }
}
