/**
 * A user's mistake (an entrypoint the bundle lacks, a file that is not there, an input that is not JSON)
 * is one line naming what is wrong, as `opa eval` prints it; only an unexpected error keeps its stack,
 * for a bug report. Before, every error printed a stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliErrorText } from '../../../src/cli/error-text.js';
import { PolicyEvalError } from '../../../src/policy/wasm/engine.js';

const REPO = resolve(import.meta.dirname, '../../..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60000, input: '' });
const BUNDLE = join(REPO, 'policies/bundle.tar.gz');

describe('CLI errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-errors-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in.json');
  writeFileSync(input, '{}');

  const oneLine = (r: ReturnType<typeof cli>, expect: RegExp) => {
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, expect);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line, no stack trace:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };

  it('policy eval with an entrypoint the bundle does not have', () => {
    oneLine(cli('policy', 'eval', '--bundle', BUNDLE, '--entrypoint', 'nope/x', '--input', input), /^portcullis: entrypoint "nope\/x" is not in the bundle$/m);
  });

  it('policy eval with a bundle file that does not exist names the file', () => {
    oneLine(cli('policy', 'eval', '--bundle', join(dir, 'missing.tar.gz'), '--entrypoint', 'x/y', '--input', input), /ENOENT.*missing\.tar\.gz/);
  });

  it('policy eval with an input that is not JSON names the file', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{');
    oneLine(cli('policy', 'eval', '--bundle', BUNDLE, '--entrypoint', 'x/y', '--input', bad), /bad\.json is not JSON: /);
  });

  it('an unexpected error keeps its stack', () => {
    assert.match(cliErrorText(new TypeError('boom')), /^TypeError: boom\n\s+at /);
    assert.equal(cliErrorText(new PolicyEvalError('conflicting rules')), 'conflicting rules');
    assert.equal(cliErrorText('plain'), 'plain');
  });
});
