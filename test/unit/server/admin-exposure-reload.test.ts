import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RuntimeHolder } from '../../../src/config/reloader.js';
import { warnAdminExposure } from '../../../src/server/admin-exposure.js';

const TOKEN = 'adm-exposure-91c2-secret-value';
const withToken = 'server: { admin: { token_file: t } }\nroutes:\n  - { name: r }\n';
const without = 'routes:\n  - { name: r }\n';

function setup(first: string) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-exposure-'));
  writeFileSync(join(dir, 't'), `${TOKEN}\n`);
  const file = join(dir, 'portcullis.yaml');
  writeFileSync(file, first);
  let text = '';
  const logger = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { text += String(c); cb(); } }));
  const holder = new RuntimeHolder(file, logger);
  const warnings = () => text.split('\n').filter((l) => /reachable from other hosts/.test(l));
  return { dir, file, holder, logger, warnings, done: async () => { await holder.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/**
 * An admin port other hosts can reach without server.admin.token_file is warned about at start; a reload that
 * drops the token (the admin address cannot change without a restart) leaves it as open: warned the same way.
 */
describe('admin exposure warning on reload', () => {
  it('a reload that drops token_file on an off-loopback admin address warns; one that keeps it does not', async () => {
    const s = setup(withToken);
    try {
      await s.holder.start();
      warnAdminExposure(s.holder, '0.0.0.0:9901', s.logger);
      assert.equal(s.warnings().length, 0, 'a token at start: no warning');
      assert.equal((await s.holder.reload('test')).ok, true);
      assert.equal(s.warnings().length, 0, 'the token kept: no warning');
      writeFileSync(s.file, without);
      assert.equal((await s.holder.reload('SIGHUP')).ok, true);
      assert.equal(s.warnings().length, 1, 'the token dropped: warned');
      assert.match(s.warnings()[0]!, /"admin_address":"0\.0\.0\.0:9901"/);
      assert.doesNotMatch(s.warnings()[0]!, new RegExp(TOKEN));
      writeFileSync(s.file, withToken);
      assert.equal((await s.holder.reload('SIGHUP')).ok, true);
      assert.equal(s.warnings().length, 1, 'the token back: no new warning');
    } finally { await s.done(); }
  });

  it('on loopback: no warning at start or on a reload without a token', async () => {
    const s = setup(withToken);
    try {
      await s.holder.start();
      warnAdminExposure(s.holder, '127.0.0.1:9901', s.logger);
      writeFileSync(s.file, without);
      assert.equal((await s.holder.reload('SIGHUP')).ok, true);
      assert.equal(s.warnings().length, 0);
    } finally { await s.done(); }
  });

  it('off loopback without a token from the start: warned at start', async () => {
    const s = setup(without);
    try {
      await s.holder.start();
      warnAdminExposure(s.holder, '[::]:9901', s.logger);
      assert.equal(s.warnings().length, 1);
    } finally { await s.done(); }
  });
});
