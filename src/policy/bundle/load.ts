import { createHash } from 'node:crypto';
import { compilePolicy, type CompiledPolicy, type MemoryOptions } from '../wasm/engine.js';
import { DEFAULT_ARCHIVE_LIMITS, readArchive, type ArchiveLimits, type BundleFiles } from './archive.js';
import { parseBundle, type Bundle } from './bundle.js';
import type { SigningConfig } from './signature.js';

/** A bundle ready to be instantiated: parsed, verified, compiled, builtins checked. */
export interface LoadedBundle {
  bundle: Bundle;
  compiled: CompiledPolicy;
  /** sha256 of what was read (archive bytes or directory files), to skip unchanged re-reads. */
  digest: string;
  loadedAt: number;
}

export interface LoadOptions {
  signing?: SigningConfig;
  memory?: MemoryOptions;
  limits?: ArchiveLimits;
}

export function digestOfFiles(files: BundleFiles): string {
  const h = createHash('sha256');
  for (const name of [...files.keys()].sort()) h.update(name).update('\0').update(files.get(name)!).update('\0');
  return h.digest('hex');
}

/** Any archive bytes (gzip tarball, or a plain tar when a server already decoded it) → LoadedBundle. */
export async function loadBundleArchive(bytes: Buffer, opts: LoadOptions = {}): Promise<LoadedBundle> {
  const files = await readArchive(bytes, opts.limits ?? DEFAULT_ARCHIVE_LIMITS);
  const loaded = await loadBundleFiles(files, opts);
  loaded.digest = createHash('sha256').update(bytes).digest('hex');
  return loaded;
}

export async function loadBundleFiles(files: BundleFiles, opts: LoadOptions = {}): Promise<LoadedBundle> {
  const bundle = await parseBundle(files, opts.signing);
  const compiled = await compilePolicy(bundle.wasm, opts.memory);
  return { bundle, compiled, digest: digestOfFiles(files), loadedAt: Date.now() };
}
