import { createHash } from 'node:crypto';
import { compilePolicy, type CompiledPolicy, type MemoryOptions } from '../wasm/engine.js';
import { DEFAULT_ARCHIVE_LIMITS, readArchive, type ArchiveLimits, type BundleFiles } from './archive.js';
import { parseBundle, type Bundle } from './bundle.js';
import type { SigningConfig } from './signature.js';

/**
 * A bundle's merged data document: the parsed value (loaded on this thread), or the JSON text it is
 * loaded into Wasm from (loaded by the activation worker, which validated it; never parsed here).
 */
export type BundleData = { value: Record<string, unknown>; json?: undefined } | { json: Uint8Array; value?: undefined };

/** A bundle ready to be instantiated: parsed, verified, compiled, builtins checked. */
export interface LoadedBundle {
  bundle: Omit<Bundle, 'data'>;
  data: BundleData;
  compiled: CompiledPolicy;
  /** sha256 of what was read (archive bytes or directory files), to skip unchanged re-reads. */
  digest: string;
  loadedAt: number;
  /** The Wasm module keeps all its state in linear memory (wasm/snapshot.ts): engines may be built off the main thread. */
  restorable?: boolean;
}

export interface LoadOptions {
  signing?: SigningConfig;
  memory?: MemoryOptions;
  limits?: ArchiveLimits;
}

/** The data document as a value (parses the JSON text of a worker-loaded bundle: for tools and tests, not the service's hot path). */
export function dataValue(data: BundleData): Record<string, unknown> {
  return data.value ?? (JSON.parse(Buffer.from(data.json.buffer, data.json.byteOffset, data.json.byteLength).toString('utf8')) as Record<string, unknown>);
}

export function digestOfFiles(files: BundleFiles): string {
  const h = createHash('sha256');
  for (const name of [...files.keys()].sort()) h.update(name).update('\0').update(files.get(name)!).update('\0');
  return h.digest('hex');
}

/** Any archive bytes (gzip tarball, or a plain tar when a server already decoded it) → LoadedBundle, on this thread. */
export async function loadBundleArchive(bytes: Buffer, opts: LoadOptions = {}): Promise<LoadedBundle> {
  const files = await readArchive(bytes, opts.limits ?? DEFAULT_ARCHIVE_LIMITS);
  const loaded = await loadBundleFiles(files, opts);
  loaded.digest = createHash('sha256').update(bytes).digest('hex');
  return loaded;
}

/** A bundle's files → LoadedBundle, on this thread. */
export async function loadBundleFiles(files: BundleFiles, opts: LoadOptions = {}): Promise<LoadedBundle> {
  const { data, ...bundle } = await parseBundle(files, opts.signing);
  const compiled = await compilePolicy(bundle.wasm, opts.memory);
  return { bundle, data: { value: data }, compiled, digest: digestOfFiles(files), loadedAt: Date.now() };
}
