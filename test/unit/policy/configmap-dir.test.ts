import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BundleFormatError, readArchive, readBundleDir } from '../../../src/policy/bundle/archive.js';
import { BundleTarget } from '../../../src/policy/bundle-target.js';
import { FileBundleSource } from '../../../src/policy/sources/file-source.js';
import { DEFAULT_MEMORY } from '../../../src/policy/wasm/engine.js';
import { silent } from '../helpers.js';
import { writeConfigMapVersion } from './configmap-volume.js';
import { simpleBundle, until } from './helpers.js';

const bundleV = (n: number) => simpleBundle('cmd', `default allow := false\n\nallow if input.v == data.cmd.want`, { cmd: { want: n } }, `rev-${n}`);

describe('a bundle directory mounted from a Kubernetes ConfigMap', () => {
  let root: string;
  before(() => { root = mkdtempSync(join(tmpdir(), 'portcullis-cmdir-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('loads through the ..data links, without the hidden ..-entries (each file once)', async () => {
    const dir = join(root, 'load');
    mkdirSync(dir);
    const files = await readArchive(bundleV(1));
    // a nested data file, as `items: [{ key: roles, path: roles/data.json }]` mounts it
    files.set('roles/data.json', Buffer.from('["admin"]'));
    writeConfigMapVersion(dir, '2026_11_29_03_00_00.1', files);
    const read = await readBundleDir(dir);
    assert.deepEqual([...read.keys()].sort(), [...files.keys()].sort());
    for (const [k, v] of files) assert.ok(read.get(k)!.equals(v), k);
  });

  it('is re-read when the kubelet swaps ..data, and decides with the new bundle', async () => {
    const dir = join(root, 'watch');
    mkdirSync(dir);
    writeConfigMapVersion(dir, '2026_11_29_03_00_00.1', await readArchive(bundleV(1)));
    const src = new FileBundleSource('cm-dir', 'cmd', dir, true, {}, silent).retain();
    src.seed(await src.loadNow());
    const target = new BundleTarget('cmd', src, [], DEFAULT_MEMORY, silent);
    await target.init();
    src.start();
    try {
      assert.equal(target.active!.revision, 'rev-1');
      writeConfigMapVersion(dir, '2026_11_29_03_01_00.2', await readArchive(bundleV(2)));
      rmSync(join(dir, '..2026_11_29_03_00_00.1'), { recursive: true });
      await until(() => target.active?.revision === 'rev-2', 'the swapped ConfigMap bundle');
      assert.equal(target.active!.engine.evaluate('cmd/allow', { v: 2 }), true);
      assert.equal(target.active!.engine.evaluate('cmd/allow', { v: 1 }), false);
    } finally {
      target.close();
      await src.release();
    }
  });

  it('still refuses links out of the bundle directory, to devices and FIFOs, and link loops', async () => {
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'data.json'), '{"cmd":{"want":1}}');
    const base = await readArchive(bundleV(1));
    const cases: Array<[string, (d: string) => void, RegExp]> = [
      ['file link to outside', (d) => symlinkSync(join(outside, 'data.json'), join(d, 'extra.json')), /extra\.json.*outside the bundle directory/],
      ['relative file link to outside', (d) => symlinkSync('../outside/data.json', join(d, 'extra.json')), /extra\.json.*outside the bundle directory/],
      ['directory link to outside', (d) => symlinkSync(outside, join(d, 'more')), /more.*outside the bundle directory/],
      ['link to a device', (d) => symlinkSync('/dev/zero', join(d, 'zero.json')), /zero\.json.*outside the bundle directory/],
      ['link to a FIFO inside', (d) => { execFileSync('mkfifo', [join(d, 'pipe')]); symlinkSync('pipe', join(d, 'p.json')); }, /p\.json.*not a regular file/],
      ['link loop', (d) => symlinkSync('.', join(d, 'loop')), /loop.*loop/],
      ['dangling link', (d) => symlinkSync('nope.json', join(d, 'gone.json')), /gone\.json.*does not exist/],
    ];
    for (const [i, [what, add, want]] of cases.entries()) {
      const d = join(root, `bad${i}`);
      mkdirSync(d);
      writeConfigMapVersion(d, '2026_11_29_03_00_00.1', base);
      add(d);
      await assert.rejects(readBundleDir(d), (e: unknown) => e instanceof BundleFormatError && want.test(e.message), what);
    }
  });

  it('many links to one folder are bounded by the file limit (no exponential walk)', async () => {
    const d = join(root, 'fan');
    mkdirSync(d);
    writeConfigMapVersion(d, '2026_11_29_03_00_00.1', await readArchive(bundleV(1)));
    // f0/{a,b} → f1, f1/{a,b} → f2 … : 2^20 paths to the same few folders
    for (let i = 0; i < 20; i++) mkdirSync(join(d, `f${i}`));
    for (let i = 0; i < 19; i++) for (const n of ['a', 'b']) symlinkSync(`../f${i + 1}`, join(d, `f${i}`, n));
    await assert.rejects(readBundleDir(d, { maxBytes: 1 << 20, maxFiles: 500 }), (e: unknown) => e instanceof BundleFormatError && e.reason === 'size');
  });
});
