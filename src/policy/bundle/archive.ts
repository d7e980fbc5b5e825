import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';

/** A bundle's files by normalized path ("policy.wasm", "roles/data.json", ".manifest"). */
export type BundleFiles = Map<string, Buffer>;

export interface ArchiveLimits {
  /** Total uncompressed bytes (zip-bomb guard). */
  maxBytes: number;
  maxFiles: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxBytes: 128 * 1024 * 1024, maxFiles: 10_000 };

export class BundleFormatError extends Error {
  constructor(readonly reason: 'tar' | 'manifest' | 'data' | 'wasm' | 'signature' | 'size', message: string) {
    super(message);
  }
}

/** "/a/./b/data.json" → "a/b/data.json"; refuses "..", absolute escapes and empty names. */
export function normalizeBundlePath(name: string): string {
  const parts: string[] = [];
  for (const p of name.replace(/\\/g, '/').split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') throw new BundleFormatError('tar', `bundle entry "${name.slice(0, 200)}" escapes the bundle root`);
    parts.push(p);
  }
  if (parts.length === 0) throw new BundleFormatError('tar', 'bundle entry with an empty name');
  return parts.join('/');
}

const LINKS_AND_DEVICES = new Set(['link', 'symlink', 'character-device', 'block-device', 'fifo']);

/**
 * Unpack a bundle archive in memory — a .tar.gz, or a plain tar (a server that sent the bundle with
 * Content-Encoding: gzip has had it decoded already) — bounded in size and file count.
 * Directories are skipped; links and devices are refused.
 */
export async function readArchive(bytes: Buffer, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<BundleFiles> {
  let tar: Buffer = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      tar = gunzipSync(bytes, { maxOutputLength: limits.maxBytes });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new BundleFormatError('size', `bundle is larger than ${limits.maxBytes} bytes uncompressed`);
      throw new BundleFormatError('tar', `bundle is not valid gzip data: ${(err as Error).message}`);
    }
  } else if (bytes.length > limits.maxBytes) {
    throw new BundleFormatError('size', `bundle is larger than ${limits.maxBytes} bytes`);
  } else if (bytes.length < 512 || bytes.toString('latin1', 257, 262) !== 'ustar') {
    throw new BundleFormatError('tar', 'bundle is neither a gzip-compressed nor a plain tar archive');
  }
  const files: BundleFiles = new Map();
  let failure: Error | undefined;
  await new Promise<void>((resolve) => {
    const ex = extract();
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        try {
          if (LINKS_AND_DEVICES.has(header.type ?? '')) {
            // skipping it would load the bundle without that file (a data.json that is a symlink: no data)
            throw new BundleFormatError('tar', `bundle entry "${header.name.slice(0, 200)}" is a ${header.type}; bundles hold regular files only (archive with tar -h, or use opa build)`);
          }
          if (header.type === 'file' || header.type === 'contiguous-file') {
            if (files.size >= limits.maxFiles) throw new BundleFormatError('size', `bundle has more than ${limits.maxFiles} files`);
            const name = normalizeBundlePath(header.name);
            if (files.has(name)) throw new BundleFormatError('tar', `bundle contains "${name}" twice`);
            files.set(name, Buffer.concat(chunks));
          }
          next();
        } catch (err) {
          failure = err as Error;
          ex.destroy();
          resolve();
        }
      });
      stream.on('error', (err: Error) => { failure ??= err; });
    });
    ex.on('finish', () => resolve());
    ex.on('close', () => resolve());
    ex.on('error', (err: Error) => { failure ??= err; resolve(); });
    ex.end(tar);
  });
  if (failure) {
    throw failure instanceof BundleFormatError ? failure : new BundleFormatError('tar', `bundle is not a valid tar archive: ${failure.message}`);
  }
  if (files.size === 0) throw new BundleFormatError('tar', 'bundle archive is empty or not a tar archive');
  return files;
}

/** Read an extracted bundle directory (recursively), bounded like an archive. */
export async function readBundleDir(dir: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<BundleFiles> {
  const files: BundleFiles = new Map();
  let bytes = 0;
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > 32) throw new BundleFormatError('tar', `bundle directory nests deeper than 32 levels at ${d}`);
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) { await walk(p, depth + 1); continue; }
      if (e.isSymbolicLink()) {
        // skipping it would load the bundle without that file; following it could read outside the bundle
        throw new BundleFormatError('tar', `bundle directory entry ${relative(dir, p).slice(0, 200)} is a symbolic link; bundles hold regular files only`);
      }
      if (!e.isFile()) continue;
      if (files.size >= limits.maxFiles) throw new BundleFormatError('size', `bundle directory has more than ${limits.maxFiles} files`);
      const size = (await stat(p)).size;
      bytes += size;
      if (bytes > limits.maxBytes) throw new BundleFormatError('size', `bundle directory is larger than ${limits.maxBytes} bytes`);
      files.set(normalizeBundlePath(relative(dir, p).split(sep).join('/')), await readFile(p));
    }
  };
  await walk(dir, 0);
  if (files.size === 0) throw new BundleFormatError('tar', `bundle directory ${dir} is empty`);
  return files;
}
