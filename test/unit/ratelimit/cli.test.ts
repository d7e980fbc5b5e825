import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ratelimitValidateCommand } from '../../../src/ratelimit/cli.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/ratelimit');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
  try {
    return { code: await ratelimitValidateCommand.run(args), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe('portcullis ratelimit validate DIR', () => {
  it('lists the domains of a valid directory and exits 0', async () => {
    const r = await run([join(FIXTURES, 'valid')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /domain mongo_cps, 2 limit\(s\)/);
    assert.match(r.out, /ok \(11 domain\(s\)\)/);
  });

  it('--strict rejects the extensions, naming file, line and key; exits 1', async () => {
    const r = await run([join(FIXTURES, 'valid'), '--strict']);
    assert.equal(r.code, 1);
    assert.match(r.err, /extensions\.yml:25:13: descriptors\[3\]\.rate_limit\.unit: unit "week" is a Portcullis extension/);
  });

  it('no directory: usage, exit 2', async () => {
    assert.equal((await run([])).code, 2);
  });
});
