import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

const REPO = resolve(import.meta.dirname, '../../..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: REPO, encoding: 'utf8', timeout: 30000 });

describe('portcullis validate-config', () => {
  it('exits non-zero and lists every error with file:line and path', () => {
    const r = cli('validate-config', 'test/fixtures/config/unknown-route-key.yaml');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /1 error\(s\):/);
    assert.match(r.stderr, /unknown-route-key\.yaml:5:5: \/routes\/0\/upstream: unknown key "upstream"/);
  });

  it('exits 0 for the demo config', () => {
    const r = cli('validate-config', 'envoy/portcullis.yaml');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ok \(\d+ routes\)/);
  });

  it('serve with an invalid config exits non-zero with the errors', () => {
    const r = cli('serve', '--config', 'test/fixtures/config/bad-enum.yaml');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot start:[\s\S]*\/routes\/0\/rules\/0\/action: must be one of "allow", "deny"/);
  });
});
