import { stripSlashes } from '../../common/strip-slashes.js';
import { parse as parseYaml } from 'yaml';
import { BundleFormatError, type BundleFiles } from './archive.js';
import { SIGNATURES_FILE, verifyBundleSignature, type SigningConfig } from './signature.js';

export interface Manifest {
  revision: string;
  roots: string[];
  wasm: Array<{ entrypoint: string; module: string }>;
  metadata?: Record<string, unknown>;
}

/** A parsed, verified OPA bundle with a Wasm policy. */
export interface Bundle {
  revision: string;
  manifest: Manifest;
  /** The policy.wasm bytes. */
  wasm: Buffer;
  /** The merged data document of every data.json / data.yaml in the bundle. */
  data: Record<string, unknown>;
  /** Number of files in the bundle (for status). */
  fileCount: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseManifest(raw: Buffer | undefined): Manifest {
  if (raw === undefined) return { revision: '', roots: [''], wasm: [] };
  let m: unknown;
  try { m = JSON.parse(raw.toString('utf8')); } catch (err) {
    throw new BundleFormatError('manifest', `.manifest is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(m)) throw new BundleFormatError('manifest', '.manifest must be a JSON object');
  const revision = m.revision ?? '';
  if (typeof revision !== 'string') throw new BundleFormatError('manifest', '.manifest: revision must be a string');
  const roots = m.roots ?? [''];
  if (!Array.isArray(roots) || !roots.every((r) => typeof r === 'string')) throw new BundleFormatError('manifest', '.manifest: roots must be a list of strings');
  const wasm = m.wasm ?? [];
  if (!Array.isArray(wasm) || !wasm.every((w) => isObject(w) && typeof w.entrypoint === 'string' && typeof w.module === 'string')) {
    throw new BundleFormatError('manifest', '.manifest: wasm must be a list of {entrypoint, module}');
  }
  if (m.metadata !== undefined && m.metadata !== null && !isObject(m.metadata)) throw new BundleFormatError('manifest', '.manifest: metadata must be an object');
  const regoVersion = (v: unknown, what: string): void => {
    if (v !== undefined && v !== null && v !== 0 && v !== 1) throw new BundleFormatError('manifest', `.manifest: ${what} must be 0 or 1, not ${JSON.stringify(v)?.slice(0, 40)}`);
  };
  regoVersion(m.rego_version, 'rego_version');
  if (m.file_rego_versions !== undefined && m.file_rego_versions !== null) {
    if (!isObject(m.file_rego_versions)) throw new BundleFormatError('manifest', '.manifest: file_rego_versions must be an object');
    for (const [f, v] of Object.entries(m.file_rego_versions)) regoVersion(v, `file_rego_versions["${f.slice(0, 100)}"]`);
  }
  const index = new RootIndex(roots);
  for (let k = 0; k < roots.length; k++) {
    const i = index.coveredBy(roots[k]!, k);
    if (i >= 0) throw new BundleFormatError('manifest', `.manifest has overlapped roots: '${roots[Math.min(i, k)]}' and '${roots[Math.max(i, k)]}'`);
  }
  return { revision, roots, wasm: wasm as Manifest['wasm'], metadata: isObject(m.metadata) ? m.metadata : undefined };
}

/**
 * The manifest roots, indexed: whether a root owns a path ("a/b" and "" for everything own "a/b/c"; a root
 * is compared with its slashes stripped, as OPA compares roots and data paths) costs one set lookup per
 * `/` in the path, and whether a root lies below a path one binary search. A bundle server may list
 * thousands of roots: comparing them pairwise blocked the event loop for seconds (20,000 roots: 3.6 s).
 */
class RootIndex {
  /** stripped root → indexes of the roots that strip to it */
  private readonly byRoot = new Map<string, number[]>();
  private readonly sorted: string[];

  constructor(roots: readonly string[]) {
    for (let i = 0; i < roots.length; i++) {
      const r = stripSlashes(roots[i]!);
      const at = this.byRoot.get(r);
      if (at === undefined) this.byRoot.set(r, [i]); else at.push(i);
    }
    this.sorted = [...this.byRoot.keys()].sort();
  }

  /** Index of a root other than `self` that owns `path`, or -1. */
  coveredBy(path: string, self = -1): number {
    let i = this.other('', self);
    if (i < 0) i = this.other(path, self);
    for (let p = path.indexOf('/'); i < 0 && p >= 0; p = path.indexOf('/', p + 1)) i = this.other(path.slice(0, p), self);
    return i;
  }

  /** Whether some root lies strictly below `path` ("a" for root "a/b"). */
  hasBelow(path: string): boolean {
    if (path === '') return this.sorted.length > 0;
    const q = `${path}/`;
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (this.sorted[mid]! < q) lo = mid + 1; else hi = mid; }
    return lo < this.sorted.length && this.sorted[lo]!.startsWith(q);
  }

  private other(root: string, self: number): number {
    const at = this.byRoot.get(root);
    if (at === undefined) return -1;
    return at[0] !== self ? at[0]! : at.length > 1 ? at[1]! : -1;
  }
}

/** OPA refuses a bundle with data outside its manifest roots ("manifest roots [...] do not permit data at path ..."). */
function checkDataInRoots(value: unknown, path: string, roots: readonly string[], index: RootIndex): void {
  if (index.coveredBy(path) >= 0 || (isObject(value) && Object.keys(value).length === 0)) return;
  if (!index.hasBelow(path) || !isObject(value)) throw new BundleFormatError('manifest', `.manifest roots ${JSON.stringify(roots).slice(0, 200)} do not permit data at path '/${path.slice(0, 200)}'`);
  for (const [k, v] of Object.entries(value)) checkDataInRoots(v, path === '' ? k : `${path}/${k}`, roots, index);
}

/** Put `value` at `path` inside `root`, merging objects; conflicting leaves are an error. */
export function mergeAt(root: Record<string, unknown>, path: string[], value: unknown, what: string): void {
  if (path.length === 0) {
    if (!isObject(value)) throw new BundleFormatError('data', `${what}: the root data document must be an object`);
    for (const [k, v] of Object.entries(value)) mergeAt(root, [k], v, what);
    return;
  }
  let node = root;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (next === undefined) node = (node[seg] = {}) as Record<string, unknown>;
    else if (isObject(next)) node = next;
    else throw new BundleFormatError('data', `${what}: conflicts with a value at ${path.join('/')}`);
  }
  const last = path[path.length - 1]!;
  const existing = node[last];
  if (existing === undefined) node[last] = value;
  else if (isObject(existing) && isObject(value)) for (const [k, v] of Object.entries(value)) mergeAt(existing, [k], v, what);
  else throw new BundleFormatError('data', `${what}: conflicts with a value at ${path.join('/')}`);
}

function dataFiles(files: BundleFiles): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const names = [...files.keys()].filter((n) => /(^|\/)data\.(json|ya?ml)$/.test(n)).sort();
  for (const name of names) {
    const text = files.get(name)!.toString('utf8');
    let value: unknown;
    try {
      value = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
    } catch (err) {
      throw new BundleFormatError('data', `${name} is not valid ${name.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
    }
    const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')).split('/') : [];
    // as OPA: the root data file holds an object (a null or empty one would silently drop the bundle's data);
    // a nested one may hold any value, null included
    if (dir.length === 0 && !isObject(value)) throw new BundleFormatError('data', `${name}: root value must be object`);
    mergeAt(data, dir, value, name);
  }
  return data;
}

/** Files → Bundle: signature (when configured), manifest, data, the one Wasm module. Throws BundleFormatError. */
export async function parseBundle(files: BundleFiles, signing?: SigningConfig): Promise<Bundle> {
  if (signing) await verifyBundleSignature(files, signing);
  const manifest = parseManifest(files.get('.manifest'));
  const modules = new Set(manifest.wasm.map((w) => w.module.replace(/^\/+/, '')));
  if (modules.size === 0 && files.has('policy.wasm')) modules.add('policy.wasm');
  if (modules.size === 0) {
    throw new BundleFormatError('wasm', 'bundle has no Wasm policy (build it with `opa build -t wasm` or `portcullis policy build`)');
  }
  if (modules.size > 1) throw new BundleFormatError('wasm', `bundle has ${modules.size} Wasm modules; Portcullis loads bundles with exactly one`);
  const modPath = [...modules][0]!;
  const wasm = files.get(modPath);
  if (!wasm) throw new BundleFormatError('wasm', `.manifest names ${modPath} but the bundle has no such file`);
  const data = dataFiles(files);
  checkDataInRoots(data, '', manifest.roots, new RootIndex(manifest.roots));
  return { revision: manifest.revision, manifest, wasm, data, fileCount: [...files.keys()].filter((k) => k !== SIGNATURES_FILE).length };
}
