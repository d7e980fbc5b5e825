/**
 * A bundle target whose policy allows `input.ip` when it is in `data.<pkg>.allowlist`, with that list from
 * a watched data file: bundle source seeded, data source read, target built but not initialised.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { BundleTarget } from '../../../src/policy/bundle-target.js';
import { FileDataSource } from '../../../src/policy/data/file-data.js';
import { FileBundleSource } from '../../../src/policy/sources/file-source.js';
import { DEFAULT_MEMORY } from '../../../src/policy/wasm/engine.js';
import { silent } from '../helpers.js';
import { opaBuild } from './helpers.js';

export const allowlistPolicy = (pkg: string): string => `package ${pkg}\n\ndefault allow := false\n\nallow if input.ip in data.${pkg}.allowlist\n`;

export async function allowlistTarget(dir: string, pkg: string, o: { dataFile: string; dataText: string; revision?: string }): Promise<{ src: FileBundleSource; data: FileDataSource; target: BundleTarget; file: string }> {
  writeFileSync(join(dir, 'b.tar.gz'), opaBuild({ files: { [`${pkg}/p.rego`]: allowlistPolicy(pkg) }, entrypoints: [`${pkg}/allow`], ...(o.revision ? { revision: o.revision } : {}) }));
  const file = join(dir, o.dataFile);
  writeFileSync(file, o.dataText);
  const src = new FileBundleSource(`k${pkg}`, pkg, join(dir, 'b.tar.gz'), false, {}, silent).retain();
  src.seed(await src.loadNow());
  const data = new FileDataSource(`f${pkg}`, 'allowlist', [pkg, 'allowlist'], file, silent).retain();
  data.set(await data.readNow(), 'config');
  return { src, data, target: new BundleTarget(pkg, src, [data], DEFAULT_MEMORY, silent), file };
}
