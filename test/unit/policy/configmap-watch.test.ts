import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BundleTarget } from '../../../src/policy/bundle-target.js';
import { docValue } from '../../../src/policy/data/data-doc.js';
import { FileDataSource } from '../../../src/policy/data/file-data.js';
import { FileBundleSource } from '../../../src/policy/sources/file-source.js';
import { DEFAULT_MEMORY } from '../../../src/policy/wasm/engine.js';
import { silent } from '../helpers.js';
import { writeConfigMapVersion } from './configmap-volume.js';
import { simpleBundle, until } from './helpers.js';

describe('policy files mounted from a Kubernetes ConfigMap', () => {
  let root: string;
  before(() => { root = mkdtempSync(join(tmpdir(), 'portcullis-cm-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a data file is re-read when the kubelet swaps ..data', async () => {
    const dir = join(root, 'data');
    mkdirSync(dir);
    writeConfigMapVersion(dir, '2026_01_01_00_00_00.1', { 'users.json': '{"alice": 1}' });
    const src = new FileDataSource('cm-data', 'cm-data', ['cm', 'users'], join(dir, 'users.json'), silent).retain();
    try {
      src.set(await src.readNow(), 'config');
      src.start();
      assert.deepEqual(docValue(src.latest!), { alice: 1 });
      writeConfigMapVersion(dir, '2026_01_01_00_01_00.2', { 'users.json': '{"alice": 1, "bob": 2}' });
      rmSync(join(dir, '..2026_01_01_00_00_00.1'), { recursive: true });
      await until(() => (docValue(src.latest!) as Record<string, number>).bob === 2, 'the new ConfigMap content');
    } finally {
      await src.release();
    }
  });

  it('a bundle file is re-read when the kubelet swaps ..data', async () => {
    const dir = join(root, 'bundle');
    mkdirSync(dir);
    const v = (n: number) => simpleBundle('cm', `default allow := false\n\nallow if input.v == ${n}`, undefined, `rev-${n}`);
    writeConfigMapVersion(dir, '2026_01_01_00_00_00.1', { 'bundle.tar.gz': v(1) });
    const src = new FileBundleSource('cm-bundle', 'cm', join(dir, 'bundle.tar.gz'), false, {}, silent).retain();
    src.seed(await src.loadNow());
    const target = new BundleTarget('cm', src, [], DEFAULT_MEMORY, silent);
    await target.init();
    src.start();
    try {
      assert.equal(target.active!.revision, 'rev-1');
      writeConfigMapVersion(dir, '2026_01_01_00_01_00.2', { 'bundle.tar.gz': v(2) });
      rmSync(join(dir, '..2026_01_01_00_00_00.1'), { recursive: true });
      await until(() => target.active?.revision === 'rev-2', 'the new ConfigMap bundle');
      assert.equal(target.active!.engine.evaluate('cm/allow', { v: 2 }), true);
    } finally {
      target.close();
      await src.release();
    }
  });
});
