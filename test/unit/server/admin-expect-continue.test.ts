import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serviceWith, type Fixture } from './service-fixture.js';

const TOKEN = 'adm-expect-3c9d1e-secret-value';

/** Sends `head` (no body yet) and resolves with the first response the server sends (status line and headers). */
function firstResponse(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.on('data', (d) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) { s.destroy(); resolve(text.slice(0, end)); }
    });
    s.on('error', reject);
    s.on('end', () => resolve(text));
    s.write(head);
  });
}

const expectHead = (path: string, method: string, auth?: string) =>
  `${method} ${path} HTTP/1.1\r\nHost: x\r\n${auth ? `Authorization: Bearer ${auth}\r\n` : ''}Content-Type: application/json\r\nContent-Length: 1048576\r\nExpect: 100-continue\r\n\r\n`;

/**
 * `Expect: 100-continue` (curl sends it for large uploads): a client without the token gets its 401 instead of
 * "100 Continue", so it never sends the body (RFC 9110 §10.1.1); with the token it is invited to send it.
 * The metrics listener, which takes no body, answers at once.
 */
describe('Expect: 100-continue on the admin port and the metrics listener', () => {
  let f: Fixture;
  before(async () => {
    f = await serviceWith('  admin: { address: "127.0.0.1:0", token_file: admin-token }\n  metrics: { address: "127.0.0.1:0" }', { files: { 'admin-token': `${TOKEN}\n` } });
  });
  after(() => f?.stop());

  it('no token or a wrong one: the 401 comes first, no 100 Continue', async () => {
    for (const auth of [undefined, 'wrong-token']) {
      const r = await firstResponse(f.svc.admin.port, expectHead('/admin/revoke', 'POST', auth));
      assert.match(r, /^HTTP\/1\.1 401 /, String(auth));
      assert.match(r, /\r\nwww-authenticate: Bearer realm="portcullis-admin"/i);
    }
  });

  it('with the token: 100 Continue, as before', async () => {
    const r = await firstResponse(f.svc.admin.port, expectHead('/admin/revoke', 'POST', TOKEN));
    assert.match(r, /^HTTP\/1\.1 100 Continue/);
  });

  it('the metrics listener never invites a body: 405 for a POST, the answer for a GET', async () => {
    const post = await firstResponse(f.svc.metrics!.port, expectHead('/metrics', 'POST'));
    assert.match(post, /^HTTP\/1\.1 405 /);
    const get = await firstResponse(f.svc.metrics!.port, expectHead('/healthz', 'GET'));
    assert.match(get, /^HTTP\/1\.1 200 /);
    assert.match(get, /\r\nconnection: close/i);
  });
});
