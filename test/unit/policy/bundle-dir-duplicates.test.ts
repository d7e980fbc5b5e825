import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BundleFormatError, readBundleDir } from '../../../src/policy/bundle/archive.js';

/**
 * A bundle directory whose file names resolve to one bundle path (on Linux a backslash is part of a name,
 * and bundle paths read it as a separator): `data.json` and `z\..\data.json` both name "data.json". An
 * archive with two such entries is refused; a directory must be too — not the last one read silently
 * replacing the other (OPA, which keeps the backslash, would load the first one's data).
 */
describe('bundle directory: two files that name one bundle path', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'portcullis-dirdup-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused, naming the path, not last-wins', async () => {
    writeFileSync(join(dir, 'data.json'), '{"cmd":{"want":1}}');
    writeFileSync(join(dir, 'z\\..\\data.json'), '{"cmd":{"want":2}}');
    await assert.rejects(readBundleDir(dir), (e: unknown) => e instanceof BundleFormatError && /"?data\.json"? twice/.test(e.message));
  });
});
