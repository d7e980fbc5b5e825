import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serviceWith, type Fixture } from './service-fixture.js';

const TOKEN = 'adm-5e1f0c2b9a-secret-value';
const NEXT = 'adm-rotated-7d3a91-secret-value';

/**
 * server.admin.token_file: the admin port's mutating and reading endpoints need the Bearer token; the probes
 * (GET /metrics, /healthz, /readyz) do not, so Prometheus and the kubelet work as before.
 */
describe('admin port with server.admin.token_file', () => {
  let f: Fixture;
  let base: string;
  const call = (method: string, path: string, token?: string, body?: string) => fetch(base + path, {
    method, body, headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

  before(async () => {
    f = await serviceWith('  admin: { address: "127.0.0.1:0", token_file: admin-token }', { files: { 'admin-token': `${TOKEN}\n` } });
    base = `http://127.0.0.1:${f.svc.admin.port}`;
  });
  after(() => f?.stop());

  it('GET /metrics, /healthz, /readyz need no token', async () => {
    for (const p of ['/metrics', '/healthz', '/readyz']) {
      const r = await call('GET', p);
      await r.arrayBuffer();
      assert.equal(r.status, 200, p);
    }
  });

  it('POST /reload without a token: 401 with the Bearer challenge, nothing reloaded', async () => {
    const before = f.svc.holder.current;
    const r = await call('POST', '/reload');
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="portcullis-admin"');
    assert.deepEqual(await r.json(), { error: 'unauthorized' });
    assert.equal(f.svc.holder.current, before, 'no reload happened');
  });

  it('a wrong token: 401 with error="invalid_token"; another scheme: 401', async () => {
    const r = await call('POST', '/reload', 'not-the-token');
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="portcullis-admin", error="invalid_token"');
    await r.arrayBuffer();
    const basic = await fetch(`${base}/reload`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` } });
    assert.equal(basic.status, 401);
    await basic.arrayBuffer();
  });

  it('module endpoints, unknown paths and a HEAD/POST to a probe path need the token too (no 404 probing without it)', async () => {
    for (const [m, p] of [['GET', '/admin/revocations'], ['DELETE', '/admin/revoke'], ['POST', '/admin/threat/bans'], ['GET', '/nope'], ['POST', '/metrics'], ['DELETE', '/readyz']] as const) {
      const r = await call(m, p);
      await r.arrayBuffer();
      assert.equal(r.status, 401, `${m} ${p}`);
    }
    const r = await call('GET', '/nope', TOKEN);
    await r.arrayBuffer();
    assert.equal(r.status, 404, 'with the token, an unknown path is 404 as before');
  });

  it('POST /reload with the token: 200; a rotated file takes over at the reload, the old token stops working', async () => {
    const ok = await call('POST', '/reload', TOKEN);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true });

    writeFileSync(join(f.dir, 'admin-token'), `${NEXT}\n`);
    // this reload, authorized by the token live when it arrives, or the file watch's (150 ms later) reads the new file
    const rotated = await call('POST', '/reload', TOKEN);
    assert.ok(rotated.status === 200 || rotated.status === 401, String(rotated.status));
    await rotated.arrayBuffer();
    const old = await call('POST', '/reload', TOKEN);
    assert.equal(old.status, 401);
    await old.arrayBuffer();
    const next = await call('POST', '/reload', NEXT);
    assert.equal(next.status, 200);
    await next.arrayBuffer();
  });

  it('emptying the file fails the reload (config error), and the last good token stays', async () => {
    writeFileSync(join(f.dir, 'admin-token'), '   \n');
    const r = await call('POST', '/reload', NEXT);
    assert.equal(r.status, 400);
    const body = await r.json() as { ok: boolean; error: string };
    assert.match(body.error, /\/server\/admin\/token_file: .*empty/);
    const still = await call('POST', '/reload', NEXT);
    assert.equal(still.status, 400, 'still authorized with the last good token (the reload fails again: the file is still empty)');
    await still.arrayBuffer();
    writeFileSync(join(f.dir, 'admin-token'), `${NEXT}\n`);
  });

  it('counts refusals and never logs a token (sent or configured)', async () => {
    const m = await (await call('GET', '/metrics')).text();
    const n = Number(/^portcullis_admin_auth_failures_total (\d+)/m.exec(m)?.[1]);
    assert.ok(n >= 5, `portcullis_admin_auth_failures_total ${n}`);
    const logs = f.logs();
    assert.match(logs, /admin request refused: no valid Bearer token/);
    for (const s of [TOKEN, NEXT, 'not-the-token', Buffer.from(`admin:${TOKEN}`).toString('base64')]) assert.ok(!logs.includes(s), `log contains ${s}`);
  });

  it('does not warn about exposure: the admin port is on loopback', () => {
    assert.doesNotMatch(f.logs(), /reachable from other hosts/);
  });
});
