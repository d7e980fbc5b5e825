/**
 * A boolean flag never takes the next argument as its value. `--name value` parsing made
 * `portcullis threat scan --decoded "1' or 1=1"` swallow the value (nothing scanned, exit 0) and
 * `portcullis ratelimit validate --strict ratelimit/` lose its directory (a usage error).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseFlags } from '../../../src/cli/command.js';

const REPO = resolve(import.meta.dirname, '../../..');
/** The real CLI in a child process; stdin closed, so a command waiting on it ends at once. */
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60000, input: '' });

describe('CLI boolean flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-flags-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parseFlags: a declared boolean flag leaves the next argument positional', () => {
    assert.deepEqual(parseFlags(['--strict', 'dir', '--out', 'x'], ['strict']), { flags: { strict: true, out: 'x' }, rest: ['dir'] });
    assert.deepEqual(parseFlags(['--out', 'x', 'dir']), { flags: { out: 'x' }, rest: ['dir'] }, 'valued flags unchanged');
  });

  it('threat scan --decoded VALUE scans the value', () => {
    const r = cli('threat', 'scan', '--decoded', "1' or '1'='1");
    assert.equal(r.status, 0, r.stderr);
    const line = JSON.parse(r.stdout.trim());
    assert.equal(line.value, "1' or '1'='1");
    assert.equal(line.findings[0].family, 'sqli');
    assert.equal(line.decoded, "1' or '1'='1");
  });

  it('ratelimit validate --strict DIR checks DIR in strict mode', () => {
    mkdirSync(join(dir, 'rl'));
    writeFileSync(join(dir, 'rl/edge.yaml'), 'domain: edge\ndescriptors:\n  - key: remote_address\n    rate_limit: { unit: week, requests_per_unit: 10 }\n');
    const strict = cli('ratelimit', 'validate', '--strict', join(dir, 'rl'));
    assert.equal(strict.status, 1, strict.stderr);
    assert.match(strict.stderr, /week/);
    const merged = cli('ratelimit', 'validate', '--merge-domains', join(dir, 'rl'));
    assert.equal(merged.status, 0, merged.stderr);
  });
});
