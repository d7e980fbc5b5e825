import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { adminAuthHeaders } from '../../../src/cli/admin-token.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-token-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };

/** The CLI's admin calls send the same token file the server reads (server.admin.token_file). */
describe('CLI admin token', () => {
  it('--admin-token-file, else PORTCULLIS_ADMIN_TOKEN_FILE; the flag wins', () => {
    const a = write('a', 'tok-from-flag\n');
    const b = write('b', 'tok-from-env\n');
    assert.deepEqual(adminAuthHeaders({ 'admin-token-file': a }, {}), { authorization: 'Bearer tok-from-flag' });
    assert.deepEqual(adminAuthHeaders({}, { PORTCULLIS_ADMIN_TOKEN_FILE: b }), { authorization: 'Bearer tok-from-env' });
    assert.deepEqual(adminAuthHeaders({ 'admin-token-file': a }, { PORTCULLIS_ADMIN_TOKEN_FILE: b }), { authorization: 'Bearer tok-from-flag' });
  });

  it('neither (or an empty variable): no header, as before', () => {
    assert.deepEqual(adminAuthHeaders({}, {}), {});
    assert.deepEqual(adminAuthHeaders({}, { PORTCULLIS_ADMIN_TOKEN_FILE: '' }), {});
  });

  it('an unreadable, empty or unusable file is an error naming the file and not the content', () => {
    assert.throws(() => adminAuthHeaders({ 'admin-token-file': join(dir, 'absent') }, {}), /admin token file .*absent: cannot read: ENOENT/);
    assert.throws(() => adminAuthHeaders({ 'admin-token-file': write('e', ' \n') }, {}), /admin token file .*e is empty/);
    assert.throws(() => adminAuthHeaders({}, { PORTCULLIS_ADMIN_TOKEN_FILE: write('s', 'secret half\n') }), (e: Error) => {
      assert.match(e.message, /visible ASCII/);
      assert.ok(!e.message.includes('secret half'));
      return true;
    });
    assert.throws(() => adminAuthHeaders({ 'admin-token-file': true }, {}), /--admin-token-file needs a file/);
  });
});
