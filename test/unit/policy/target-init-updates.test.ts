import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BundleTarget } from '../../../src/policy/bundle-target.js';
import { docOf } from '../../../src/policy/data/data-doc.js';
import { FileBundleSource } from '../../../src/policy/sources/file-source.js';
import { DEFAULT_MEMORY } from '../../../src/policy/wasm/engine.js';
import { silent } from '../helpers.js';
import { allowlistTarget } from './allowlist-target.js';
import { simpleBundle } from './helpers.js';

// On a config reload the new module instance adopts data sources and bundle sources that are already running;
// they can take an update while the new target's first engine is being built. That update must not be lost
// (the source reports it once and then finds nothing new), and the first build must not be applied after it.
describe('updates that arrive while a bundle target builds its first engine', () => {
  it('new data published during init() is applied once init has built with the old data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-init-data-'));
    try {
      const { src, data, target } = await allowlistTarget(dir, 'ir', { dataFile: 'allow.json', dataText: '["10.0.0.1"]' });
      try {
        const init = target.init();
        // the running source reads a new revocation list while the first engine is built from the old one
        data.set(docOf(['10.0.0.2'], 'raw-2', 'value'), 'poll');
        await init;
        await target.settled();
        assert.equal(target.active!.engine.evaluate('ir/allow', { ip: '10.0.0.2' }), true, 'the newer data is served');
        assert.equal(target.active!.engine.evaluate('ir/allow', { ip: '10.0.0.1' }), false, 'the older data is not');
      } finally {
        target.close();
        await data.release();
        await src.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a new bundle the source takes during init() becomes active after the first one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-init-bundle-'));
    try {
      const file = join(dir, 'b.tar.gz');
      writeFileSync(file, simpleBundle('ib', 'default allow := false\n\nallow if input.v == 1', undefined, 'rev-1'));
      const src = new FileBundleSource('kb', 'ib', file, false, {}, silent).retain();
      src.seed(await src.loadNow());
      writeFileSync(file, simpleBundle('ib', 'default allow := false\n\nallow if input.v == 2', undefined, 'rev-2'));
      const second = await src.loadNow();
      const target = new BundleTarget('ib', src, [], DEFAULT_MEMORY, silent);
      try {
        const init = target.init();
        // the running source (an HTTP poll, a watched file) takes rev-2 while the first engine is built from rev-1
        src.seed(second);
        await init;
        await target.settled();
        assert.equal(target.active!.revision, 'rev-2');
        assert.equal(target.active!.engine.evaluate('ib/allow', { v: 2 }), true);
      } finally {
        target.close();
        await src.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
