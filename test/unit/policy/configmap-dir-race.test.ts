import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readBundleDir } from '../../../src/policy/bundle/archive.js';
import { writeConfigMapVersion } from './configmap-volume.js';

const require = createRequire(import.meta.url);

/**
 * A ConfigMap update landing in the middle of a read: the kubelet swaps `..data` and deletes the old version's
 * folder between the walk's realpath of a file and its read. The read must be done again on the new version
 * (as when the swap is seen after a read that completed) — not fail the load with ENOENT.
 */
describe('a bundle directory read that races a ConfigMap update', () => {
  let root: string;
  before(() => { root = mkdtempSync(join(tmpdir(), 'portcullis-cmrace-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is read again on the new version when the old folder vanished mid-read', async () => {
    const dir = join(root, 'cm');
    mkdirSync(dir);
    writeConfigMapVersion(dir, '2026_11_29_03_00_00.1', { 'a.json': '{}', 'data.json': '{"v":1}' });
    // the swap happens exactly when the walk first reads a file (deterministic, no timing)
    const cjs = require('node:fs/promises') as typeof fsp;
    const original = cjs.readFile;
    let swapped = false;
    cjs.readFile = (async (...args: Parameters<typeof fsp.readFile>) => {
      if (!swapped) {
        swapped = true;
        writeConfigMapVersion(dir, '2026_11_29_03_01_00.2', { 'a.json': '{}', 'data.json': '{"v":2}' });
        rmSync(join(dir, '..2026_11_29_03_00_00.1'), { recursive: true });
      }
      return original(...args);
    }) as typeof fsp.readFile;
    syncBuiltinESMExports();
    try {
      const files = await readBundleDir(dir);
      assert.ok(swapped, 'the swap happened during the read');
      assert.equal(files.get('data.json')?.toString(), '{"v":2}');
    } finally {
      cjs.readFile = original;
      syncBuiltinESMExports();
    }
  });
});
