import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { readReferencedFile, recordReferencedFiles } from '../../../src/config/referenced-files.js';

const dir = mkdtempSync(join(tmpdir(), 'referenced-'));
const file = (name: string) => { const f = join(dir, name); writeFileSync(f, name); return f; };

describe('recordReferencedFiles', () => {
  it('records each load\'s own files, load after load (the recorder is switched off between loads)', async () => {
    const a = file('a.pem');
    const b = file('b.pem');
    for (let i = 0; i < 3; i++) {
      const first = await recordReferencedFiles(async () => { await sleep(1); readReferencedFile(a); return 1; });
      assert.deepEqual(first, { value: 1, files: [a] });
      const second = await recordReferencedFiles(async () => { readReferencedFile(b); await sleep(1); return 2; });
      assert.deepEqual(second, { value: 2, files: [b] });
    }
  });

  it('overlapping loads each record only their own files, also after the first one finishes', async () => {
    const a = file('c.pem');
    const b = file('d.pem');
    const c = file('e.pem');
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const slow = recordReferencedFiles(async () => { readReferencedFile(a); await gate; readReferencedFile(c); return 'slow'; });
    const fast = await recordReferencedFiles(async () => { await sleep(1); readReferencedFile(b); return 'fast'; });
    assert.deepEqual(fast.files, [b]);
    release();
    assert.deepEqual((await slow).files, [a, c].sort());
  });

  it('a failed load still switches the recorder off and the next load records', async () => {
    const a = file('f.pem');
    await assert.rejects(recordReferencedFiles(async () => { throw new Error('bad config'); }), /bad config/);
    assert.deepEqual((await recordReferencedFiles(async () => { readReferencedFile(a); })).files, [a]);
  });

  it('reads outside a load are not recorded anywhere', async () => {
    const a = file('g.pem');
    assert.equal(readReferencedFile(a), 'g.pem');
    assert.deepEqual((await recordReferencedFiles(async () => 0)).files, []);
  });
});
