// Seeded hostile OPA bundles for the bundle fuzzers: each is made from a good bundle's files (read from a
// tarball the real `opa build` wrote) and says whether it must be refused ("bad") or may be accepted as long
// as the policy's decisions do not change ("same": a harmless extra file, a directory entry, a plain tar).
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { Rng } from '../pipeline/fuzz/prng.js';

export type Entry = { name: string; content?: Buffer; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string };

export interface Variant {
  what: string;
  verdict: 'bad' | 'same';
  bytes: Buffer;
}

/** Pieces the generator mixes in: Wasm from other real builds, and where traversal entries must never land. */
export interface Ingredients {
  /** A module exporting other entrypoints than the routes use. */
  otherWasm: Buffer;
  /** A module importing a builtin Portcullis does not provide (http.send). */
  missingBuiltinWasm: Buffer;
  /** Absolute paths (on this machine) that a traversal or absolute entry name aims at. */
  markers: string[];
  /** Limits the loader is configured with in the test. */
  maxBytes: number;
  maxFiles: number;
}

export async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    if (e.type && e.type !== 'file') p.entry({ name: e.name, type: e.type, linkname: e.linkname });
    else p.entry({ name: e.name }, e.content ?? Buffer.alloc(0));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A Wasm module with no imports and no exports: valid Wasm, not an OPA policy. */
export const EMPTY_WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

const j = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

/**
 * A hostile bundle. `files` are the good bundle's files ("/.manifest", "/data.json", "/policy.wasm", …
 * as opa writes them, with the leading slash); `manifest` its parsed .manifest.
 */
export async function hostileBundle(r: Rng, good: Buffer, files: Map<string, Buffer>, ing: Ingredients): Promise<Variant> {
  const manifest = JSON.parse(files.get('/.manifest')!.toString('utf8')) as Record<string, unknown>;
  const base = (): Entry[] => [...files].map(([name, content]) => ({ name, content }));
  const replace = (name: string, content: Buffer | undefined, list = base()): Entry[] =>
    content === undefined ? list.filter((e) => e.name !== name) : list.map((e) => (e.name === name ? { name, content } : e));
  const withManifest = (m: unknown): Entry[] => replace('/.manifest', j(m));
  const gz = async (what: string, verdict: Variant['verdict'], entries: Entry[]): Promise<Variant> => {
    const tar = await tarOf(entries);
    return { what, verdict, bytes: r.chance(0.8) ? gzipSync(tar) : tar };
  };
  const marker = r.pick(ing.markers);
  switch (r.int(34)) {
    case 0: return { what: 'random bytes', verdict: 'bad', bytes: r.bytes(r.int(4000)) };
    case 1: return { what: 'truncated gzip', verdict: 'bad', bytes: good.subarray(0, r.int(good.length - 1)) };
    case 2: {
      const b = Buffer.from(good);
      for (let n = 1 + r.int(4); n > 0; n--) { const at = 10 + r.int(b.length - 10); b[at] = b[at]! ^ (1 + r.int(255)); }
      return { what: 'gzip with flipped bytes', verdict: 'bad', bytes: b };
    }
    // OPA reads ".." above the root as the root (opa build -b ../src writes "/../src/p.rego"): an extra file, or the same one
    case 3: return gz('traversal entry "../x"', 'same', [...base(), { name: r.pick(['../x', '../../x/data.json', 'a/../../x', '..\\..\\x', `${'../'.repeat(12)}${marker.replace(/^\/+/, '')}`]), content: j({ pwn: true }) }]);
    case 4: return gz('traversal policy.wasm', 'same', replace('/policy.wasm', undefined).concat({ name: '../policy.wasm', content: files.get('/policy.wasm') }));
    case 5: return gz('absolute path of an extra file', 'same', [...base(), { name: marker, content: j('written?') }]);
    case 6: return gz('names without the leading slash', 'same', base().map((e) => ({ ...e, name: e.name.replace(/^\/+/, r.pick(['', './', '//'])) })));
    case 7: return gz('symlink to /etc/passwd', 'bad', [...base(), { name: r.pick(['/fz/data.json', '/x/data.yaml', '/evil']), type: 'symlink', linkname: r.pick(['/etc/passwd', '../../../../etc/passwd', marker]) }]);
    case 8: return gz('hardlink in place of policy.wasm', 'bad', [...replace('/policy.wasm', undefined), { name: '/policy.wasm', type: 'link', linkname: r.pick(['/etc/passwd', 'data.json']) }]);
    case 9: return gz('symlink in place of data.json', 'bad', [...replace('/data.json', undefined), { name: '/data.json', type: 'symlink', linkname: '/etc/passwd' }]);
    case 10: return gz('duplicate data.json', 'bad', [...base(), { name: r.pick(['/data.json', 'data.json', './data.json']), content: j({ fz: { want: '2' } }) }]);
    case 11: return gz('duplicate policy.wasm', 'bad', [...base(), { name: '/policy.wasm', content: ing.otherWasm }]);
    case 12: {
      const data = JSON.parse(files.get('/data.json')!.toString('utf8')) as Record<string, unknown>;
      return gz('large data.json within limits', 'same', replace('/data.json', j({ ...data, pad: 'p'.repeat(Math.floor(ing.maxBytes / 4)) })));
    }
    case 13: return gz('data.json past the size limit', 'bad', replace('/data.json', j({ fz: { want: '1' }, pad: 'p'.repeat(ing.maxBytes + 1) })));
    case 14: return { what: 'gzip bomb', verdict: 'bad', bytes: gzipSync(Buffer.alloc(ing.maxBytes * 4 + r.int(1024))) };
    case 15: return gz('more files than allowed', 'bad', [...base(), ...Array.from({ length: ing.maxFiles }, (_, i) => ({ name: `/pad/f${i}.txt`, content: j('x') }))]);
    case 16: return gz('data.json not JSON', 'bad', replace('/data.json', j(r.pick(['{"fz":', '<html>', '{"fz":{"want":"1"}}}', '\u0000', '']))));
    case 17: return gz('data.json not an object', 'bad', replace('/data.json', j(r.pick([[1], 'x', 7, null, true]))));
    case 18: return gz('data.yaml conflicting with data.json', 'bad', [...base(), { name: '/data.yaml', content: j('fz:\n  want: "2"\n') }]);
    case 19: return gz('YAML alias bomb', 'bad', [...base(), { name: '/bomb/data.yaml', content: j(`a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`).join('\n')}\n`) }]);
    case 20: return gz('.manifest not JSON', 'bad', replace('/.manifest', j(r.pick(['{', 'revision: x', '\ufeff{]', '']))));
    case 21: return gz('.manifest field of the wrong type', 'bad', withManifest({ ...manifest, ...r.pick<Record<string, unknown>>([{ revision: 5 }, { roots: 'fz' }, { roots: [1] }, { wasm: 'policy.wasm' }, { wasm: [{ entrypoint: 1, module: '/policy.wasm' }] }, { metadata: 'x' }, { metadata: [1] }]) }));
    case 22: return gz('.manifest roots overlapping', 'bad', withManifest({ ...manifest, roots: r.pick([['fz', 'fz/sub'], ['', 'fz'], ['fz/a', 'fz']]) }));
    case 23: return gz('.manifest roots not covering the data', 'bad', withManifest({ ...manifest, roots: r.pick([['other'], [], ['fz/other']]) }));
    case 24: return gz('.manifest with a wrong rego_version', 'bad', withManifest({ ...manifest, rego_version: r.pick(['v1', 7, -1, 1.5, true]) }));
    case 25: return gz('.manifest naming a missing module', 'bad', withManifest({ ...manifest, wasm: [{ entrypoint: 'fz/allow', module: r.pick(['/nope.wasm', '/../policy.wasm', '']) }] }));
    case 26: return gz('.manifest naming two modules', 'bad', [...withManifest({ ...manifest, wasm: [...(manifest.wasm as object[]), { entrypoint: 'other/allow', module: '/other.wasm' }] }), { name: '/other.wasm', content: ing.otherWasm }]);
    case 27: return gz('policy.wasm is not Wasm', 'bad', replace('/policy.wasm', r.pick([r.bytes(r.int(2000)), j('<html>404</html>'), Buffer.alloc(0)])));
    case 28: return gz('policy.wasm truncated', 'bad', replace('/policy.wasm', files.get('/policy.wasm')!.subarray(0, r.int(files.get('/policy.wasm')!.length - 1))));
    case 29: return gz('policy.wasm exports nothing', 'bad', replace('/policy.wasm', EMPTY_WASM));
    case 30: return gz('policy.wasm with other entrypoints', 'bad', replace('/policy.wasm', ing.otherWasm, withManifest({ ...manifest, wasm: [{ entrypoint: 'other/allow', module: '/policy.wasm' }] })));
    case 31: return gz('policy.wasm needs a builtin Portcullis lacks', 'bad', replace('/policy.wasm', ing.missingBuiltinWasm));
    case 32: return gz('no policy.wasm', 'bad', withManifest({ revision: 'x' }).filter((e) => e.name !== '/policy.wasm'));
    default: return gz('only directories', 'bad', [{ name: '/fz/', type: 'directory' }, { name: '/x/', type: 'directory' }]);
  }
}
