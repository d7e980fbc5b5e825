import { mkdirSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A Kubernetes ConfigMap volume as the kubelet's atomic writer lays it out: the files in `..<version>/`
 * (nested paths from `items[].path` as sub-folders), `..data` → that folder, and one top-level link per
 * first path segment, `NAME → ..data/NAME`. An update (a second call) writes a new version folder and
 * renames a new `..data` link over the old one: the folder sees events for `..data` (and the temporary
 * link), never for NAME itself. Deleting the old version folder is left to the caller.
 */
export function writeConfigMapVersion(dir: string, version: string, files: Map<string, string | Buffer> | Record<string, string | Buffer>): void {
  const ts = join(dir, `..${version}`);
  mkdirSync(ts, { recursive: true });
  for (const [name, content] of files instanceof Map ? files : Object.entries(files)) {
    mkdirSync(dirname(join(ts, name)), { recursive: true });
    writeFileSync(join(ts, name), content);
  }
  symlinkSync(`..${version}`, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const top of readdirSync(ts)) {
    try { symlinkSync(`..data/${top}`, join(dir, top)); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; }
  }
}
