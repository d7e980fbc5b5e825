import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RuntimeHolder } from '../../../src/config/reloader.js';
import { ctxOf } from '../identity/helpers.js';

const silent = pino({ level: 'silent' });
const config = (name: string) => `routes:\n  - name: ${name}\n    match: { path: { prefix: / } }\n`;

/**
 * A Kubernetes ConfigMap volume: portcullis.yaml → ..data/portcullis.yaml, ..data → ..<timestamp>/. An update
 * writes a new timestamped folder and renames a new `..data` link over the old one (the kubelet's atomic
 * writer): the folder sees events for `..data`, never for portcullis.yaml itself.
 */
function configMapVolume(dir: string, version: string, text: string): void {
  const ts = join(dir, `..${version}`);
  mkdirSync(ts);
  writeFileSync(join(ts, 'portcullis.yaml'), text);
  symlinkSync(`..${version}`, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
}

describe('config reload: file watch', () => {
  it('a Kubernetes ConfigMap update (the ..data symlink swap) reloads the config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-cm-'));
    configMapVolume(dir, '2026_01_01_00_00_00.1', config('first'));
    symlinkSync('..data/portcullis.yaml', join(dir, 'portcullis.yaml'));
    const holder = new RuntimeHolder(join(dir, 'portcullis.yaml'), silent);
    await holder.start();
    holder.watch();
    try {
      assert.equal(holder.current.table.match(ctxOf({ path: '/x' }))?.name, 'first');
      configMapVolume(dir, '2026_01_01_00_01_00.2', config('second'));
      rmSync(join(dir, '..2026_01_01_00_00_00.1'), { recursive: true });
      // bounded wait for the watcher's (debounced) reload
      for (let i = 0; i < 100 && holder.current.table.match(ctxOf({ path: '/x' }))?.name !== 'second'; i++) await sleep(50);
      assert.equal(holder.current.table.match(ctxOf({ path: '/x' }))?.name, 'second', 'the new ConfigMap content is live');
    } finally {
      await holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a change of another file in the folder does not reload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reloader-cm-'));
    const file = join(dir, 'portcullis.yaml');
    writeFileSync(file, config('first'));
    const holder = new RuntimeHolder(file, silent);
    await holder.start();
    const before = holder.current;
    holder.watch();
    try {
      writeFileSync(join(dir, 'other.yaml'), 'x: 1\n');
      await sleep(400);
      assert.equal(holder.current, before);
    } finally {
      await holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
