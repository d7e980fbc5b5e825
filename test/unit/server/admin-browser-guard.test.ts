import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { serviceWith, type Fixture } from './service-fixture.js';

const TOKEN = 'adm-browser-7f1e2d-secret-value';

/** One request to 127.0.0.1:port with exactly these headers (Node adds none but Host, which we set). */
function call(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += String(d); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * An admin port without a token is refused to web pages. A page in the operator's browser could POST a ban, a
 * revocation or a reload to 127.0.0.1:9901 (a form or a no-cors fetch needs no preflight), and a rebound DNS
 * name (evil.example → 127.0.0.1) makes it same-origin: free to read the revocation list and DELETE them.
 * Before, every one of these was answered.
 */
describe('admin port without a token: requests from web pages are refused', () => {
  let f: Fixture;
  before(async () => { f = await serviceWith('  admin: { address: "127.0.0.1:0" }'); });
  after(() => f?.stop());

  it('the CLI and curl (no Origin, an IP or localhost Host) go through', async () => {
    const port = f.svc.admin.port;
    assert.equal((await call(port, 'POST', '/reload')).status, 200);
    assert.equal((await call(port, 'POST', '/reload', { host: `localhost:${port}` })).status, 200);
    assert.equal((await call(port, 'POST', '/reload', { host: `[::1]:${port}` })).status, 200);
    assert.equal((await call(port, 'GET', '/nope', { 'sec-fetch-site': 'none' })).status, 404, 'an address typed into the browser');
  });

  it('a cross-site form or fetch (Origin, Sec-Fetch-Site) gets 403 and changes nothing', async () => {
    const port = f.svc.admin.port;
    const reloadsBefore = (f.logs().match(/config reloaded|reload ok/g) ?? []).length;
    for (const h of [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }] as Record<string, string>[]) {
      const r = await call(port, 'POST', '/reload', h);
      assert.equal(r.status, 403, JSON.stringify(h));
      assert.match(r.body, /browser/);
    }
    assert.equal((await call(port, 'DELETE', '/admin/threat/bans?ip=203.0.113.9', { origin: 'https://evil.example' })).status, 403);
    assert.equal((f.logs().match(/config reloaded|reload ok/g) ?? []).length, reloadsBefore, 'no reload ran');
    assert.match(f.logs(), /admin request refused: sent by a web page/);
  });

  it('a rebound DNS name in Host (same-origin after rebinding) gets 403', async () => {
    const port = f.svc.admin.port;
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`]) {
      assert.equal((await call(port, 'GET', '/admin/revocations', { host })).status, 403, host);
      assert.equal((await call(port, 'DELETE', '/admin/revoke', { host })).status, 403, host);
    }
  });

  it('the probes stay open to anyone (Prometheus, kubelet, a status page)', async () => {
    const port = f.svc.admin.port;
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const r = await call(port, 'GET', path, { origin: 'https://status.example', host: `evil.example:${port}` });
      assert.notEqual(r.status, 403, path);
    }
  });
});

describe('admin port with a token: the Bearer token decides, Origin or not', () => {
  let f: Fixture;
  before(async () => {
    f = await serviceWith('  admin: { address: "127.0.0.1:0", token_file: admin-token }', { files: { 'admin-token': `${TOKEN}\n` } });
  });
  after(() => f?.stop());

  it('with the token a request carrying Origin is served; without it, 401', async () => {
    const port = f.svc.admin.port;
    assert.equal((await call(port, 'POST', '/reload', { origin: 'https://ops.example', authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal((await call(port, 'POST', '/reload', { origin: 'https://ops.example' })).status, 401);
  });
});
