import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDataFile, readDataFileDoc } from '../../../src/policy/data/read.js';
import { DataFormatError } from '../../../src/policy/data/format-error.js';

/** Data files are read with a bound that holds whatever the path is: never a FIFO or device read without end. */
describe('policy data files: what is read', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'portcullis-data-read-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a FIFO (or any non-regular file) is refused at once instead of blocking the refresh forever', { timeout: 10_000 }, async () => {
    const fifo = join(dir, 'acl.json');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(readDataFile(fifo), (e: unknown) => e instanceof DataFormatError && /acl\.json is not a regular file/.test((e as Error).message));
    await assert.rejects(readDataFileDoc(fifo, undefined, 'json'), DataFormatError);
    await assert.rejects(readDataFile(dir), /not a regular file|EISDIR/);
  });

  it('a regular file is read whole, in chunks, JSON or YAML', async () => {
    const big = { users: Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`u${i}`, { roles: ['reader'], i }])) };
    writeFileSync(join(dir, 'big.json'), JSON.stringify(big)); // > 1 MiB: several chunks
    assert.deepEqual(await readDataFile(join(dir, 'big.json')), big);
    writeFileSync(join(dir, 'small.yaml'), 'a: [1, 2]\n');
    assert.deepEqual(await readDataFile(join(dir, 'small.yaml')), { a: [1, 2] });
  });
});
