import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
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

/**
 * An entry name as OPA reads it: a rooted path, cleaned ("/a/./b/data.json" → "a/b/data.json"; a ".." above
 * the root stays at the root, as Go's path.Clean("/../x") is "/x"). `opa build -b ../src` writes its Rego
 * entries as "/../src/…" and OPA loads them, data files named so included. Bundles are read in memory and
 * never written out, so such a name escapes nothing. Refuses names that resolve to nothing.
 */
export function normalizeBundlePath(name: string): string {
  const parts: string[] = [];
  for (const p of name.replace(/\\/g, '/').split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') { parts.pop(); continue; }
    parts.push(p);
  }
  if (parts.length === 0) throw new BundleFormatError('tar', `bundle entry "${name.slice(0, 200)}" has an empty name`);
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

/** The kubelet's link to the current version of a ConfigMap / Secret volume (`..data` → `..<timestamp>/`). */
const CONFIGMAP_DATA = '..data';

/**
 * Read an extracted bundle directory (recursively), bounded like an archive.
 *
 * A directory mounted from a Kubernetes ConfigMap holds `..data` → `..<timestamp>/` and one link per
 * file, `NAME` → `..data/NAME`: top-level names starting with `..` (the kubelet's own) are skipped, and a
 * symbolic link is followed when its real path stays inside the directory's real root — a link out of it
 * (or to a device, FIFO or socket) is refused, as skipping it would load the bundle without that file. A
 * read that raced a `..data` swap is read again, so one bundle never mixes two versions' files.
 */
export async function readBundleDir(dir: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<BundleFiles> {
  for (let attempt = 1; ; attempt++) {
    const before = await dataLinkTarget(dir);
    let files: BundleFiles | undefined;
    let failure: unknown;
    try { files = await readDirOnce(dir, limits); } catch (err) { failure = err; }
    if ((await dataLinkTarget(dir)) === before) {
      if (failure !== undefined) throw failure;
      return files!;
    }
    // swapped mid-read: the old version's folder may be gone (ENOENT) or half read — read the new one
    if (attempt === 3) throw new BundleFormatError('tar', `bundle directory ${dir} changed (its ${CONFIGMAP_DATA} link was swapped) on every one of ${attempt} reads`);
  }
}

async function dataLinkTarget(dir: string): Promise<string | undefined> {
  try { return await readlink(join(dir, CONFIGMAP_DATA)); } catch { return undefined; }
}

async function readDirOnce(dir: string, limits: ArchiveLimits): Promise<BundleFiles> {
  const files: BundleFiles = new Map();
  const root = await realpath(dir);
  const within = (real: string): boolean => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
  let bytes = 0;
  let folders = 0;
  const refuse = (rel: string, problem: string): never => {
    throw new BundleFormatError('tar', `bundle directory entry ${rel.slice(0, 200)} ${problem}; bundles hold regular files only`);
  };
  // `ancestors`: real paths of the folders being walked (a link to one of them is a loop)
  const walk = async (d: string, rel: string, depth: number, ancestors: string[]): Promise<void> => {
    if (depth > 32) throw new BundleFormatError('tar', `bundle directory nests deeper than 32 levels at ${d}`);
    // links can reach one folder along many paths: the folders walked are bounded like the files
    if (++folders > limits.maxFiles) throw new BundleFormatError('size', `bundle directory has more than ${limits.maxFiles} folders`);
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (depth === 0 && e.name.startsWith('..')) continue;
      const p = join(d, e.name);
      const name = rel === '' ? e.name : `${rel}/${e.name}`;
      let real = p;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try { real = await realpath(p); } catch { refuse(name, 'is a symbolic link whose target does not exist'); }
        if (!within(real)) refuse(name, 'is a symbolic link to outside the bundle directory');
        const st = await stat(real);
        isDir = st.isDirectory();
        isFile = st.isFile();
        if (!isDir && !isFile) refuse(name, 'is a symbolic link to something that is not a regular file or folder');
        if (isDir && ancestors.includes(real)) refuse(name, 'is a symbolic link to a folder that contains it (a loop)');
      }
      // `d` is a real path, so `real` is one for a folder that is not a link too
      if (isDir) { await walk(real, name, depth + 1, [...ancestors, real]); continue; }
      if (!isFile) continue;
      if (files.size >= limits.maxFiles) throw new BundleFormatError('size', `bundle directory has more than ${limits.maxFiles} files`);
      const size = (await stat(real)).size;
      bytes += size;
      if (bytes > limits.maxBytes) throw new BundleFormatError('size', `bundle directory is larger than ${limits.maxBytes} bytes`);
      // a backslash is read as a separator, so `z\..\data.json` names data.json too: refused, as in an archive
      const path = normalizeBundlePath(name);
      if (files.has(path)) throw new BundleFormatError('tar', `bundle directory contains "${path}" twice (entry ${name.slice(0, 200)})`);
      files.set(path, await readFile(real));
    }
  };
  await walk(root, '', 0, [root]);
  if (files.size === 0) throw new BundleFormatError('tar', `bundle directory ${dir} is empty`);
  return files;
}
