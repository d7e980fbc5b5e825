import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { FileSink } from '../../../src/threat/events/sinks/file.js';
import { silent } from '../helpers.js';

const ev = (i: number) => ({ decision_id: `d-${i}` }) as unknown as SecurityEvent;
const ids = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { decision_id: string }).decision_id);

describe('file sink and log rotation', () => {
  it('after a rotation by rename (logrotate "create"), events go to a new file at the configured path', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ev-rot-')), 'security.jsonl');
    const s = new FileSink('file-rot', file, silent, { maxQueue: 10, flushMs: 5 });
    s.offer(ev(1)); await s.flush();
    renameSync(file, `${file}.1`);
    s.offer(ev(2)); await s.flush();
    assert.ok(existsSync(file), 'no new file: the event went to the rotated one');
    assert.deepEqual(ids(`${file}.1`), ['d-1']);
    assert.deepEqual(ids(file), ['d-2']);
    await s.close();
  });

  it('after the file is deleted, events go to a new file (not to an unlinked inode)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ev-rot-')), 'security.jsonl');
    const s = new FileSink('file-del', file, silent, { maxQueue: 10, flushMs: 5 });
    s.offer(ev(1)); await s.flush();
    rmSync(file);
    s.offer(ev(2)); await s.flush();
    assert.deepEqual(ids(file), ['d-2']);
    await s.close();
  });
});
