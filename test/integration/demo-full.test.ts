// The full demo config (envoy/portcullis-full.yaml): identity, rate limits, OPA policy and threat protection
// together on one route table, through a real Envoy and Redis — the README's demo walk-through, asserted.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';
import { demoConfig, demoEnv } from './demo-config.js';

describe('full demo config through a real Envoy and Redis', () => {
  let stack: Stack;
  let cred: Record<string, string>;
  const bearer = (t: string) => ({ authorization: `Bearer ${cred[t]}` });

  before(async () => {
    stack = await startStack({
      redis: 'single',
      config: (v) => {
        cred = demoEnv(join(v.dir, 'demo'));
        return demoConfig(v);
      },
    });
  });
  after(async () => { await stack?.stop(); });

  it('no credential on a protected route: 401 with a challenge per accepted kind', async () => {
    const r = await stack.request({ path: '/api/v1/orders/1' });
    assert.equal(r.status, 401);
    assert.equal(r.json().error, 'ERR_UNAUTHENTICATED');
    assert.match(r.headers['www-authenticate']!, /Bearer realm="portcullis-demo"/);
    assert.match(r.headers['www-authenticate']!, /ApiKey/);
  });

  it('a reader may read orders: identity forwarded, spoofed identity headers replaced', async () => {
    const r = await stack.request({ path: '/api/v1/orders/1', headers: { ...bearer('ALICE_TOKEN'), 'x-user-id': 'root', 'x-user-roles': 'admin' } });
    assert.equal(r.status, 200, r.body);
    const h = r.json().headers;
    assert.equal(h['x-user-id'], 'alice');
    assert.equal(h['x-user-roles'], 'reader');
    assert.equal(h['x-portcullis-auth-kind'], 'jwt');
  });

  it('RBAC: a reader may not create orders, a writer may', async () => {
    const body = JSON.stringify({ sku: 'A-1', qty: 2 });
    const headers = { 'content-type': 'application/json' };
    const no = await stack.request({ method: 'POST', path: '/api/v1/orders', headers: { ...headers, ...bearer('ALICE_TOKEN') }, body });
    assert.equal(no.status, 403, no.body);
    const yes = await stack.request({ method: 'POST', path: '/api/v1/orders', headers: { ...headers, ...bearer('WRITER_TOKEN') }, body });
    assert.equal(yes.status, 200, yes.body);
    assert.equal(yes.json().body, body);
  });

  it('an API key identifies its owner', async () => {
    const r = await stack.request({ path: '/api/v1/orders/2', headers: { 'x-api-key': cred.API_KEY! } });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json().headers['x-user-id'], 'acme-integration');
    assert.equal((await stack.request({ path: '/api/v1/orders/2', headers: { 'x-api-key': 'pck_not-a-key' } })).status, 401);
  });

  it('ownership: your own user record, not another\'s, unless admin', async () => {
    assert.equal((await stack.request({ path: '/api/v1/users/alice', headers: bearer('ALICE_TOKEN') })).status, 200);
    assert.equal((await stack.request({ path: '/api/v1/users/bob', headers: bearer('ALICE_TOKEN') })).status, 403);
    assert.equal((await stack.request({ path: '/api/v1/users/bob', headers: bearer('ADMIN_TOKEN') })).status, 200);
  });

  it('payments: a plain token gets a step-up challenge; mTLS gets through; a bad body is 400', async () => {
    const body = JSON.stringify({ amount: 12.5, currency: 'EUR' });
    const headers = { 'content-type': 'application/json' };
    const weak = await stack.request({ method: 'POST', path: '/api/v1/payments', headers: { ...headers, ...bearer('ALICE_TOKEN') }, body });
    assert.equal(weak.status, 401, weak.body);
    assert.match(weak.headers['www-authenticate']!, /insufficient_user_authentication/);
    const strong = await stack.request({ via: 'mtls', method: 'POST', path: '/api/v1/payments', headers, body });
    assert.equal(strong.status, 200, strong.body);
    assert.equal(strong.json().headers['x-portcullis-auth-kind'], 'mtls');
    const bad = await stack.request({ via: 'mtls', method: 'POST', path: '/api/v1/payments', headers, body: JSON.stringify({ amount: -1, currency: 'euro' }) });
    assert.equal(bad.status, 400, bad.body);
  });

  it('inventory is public and read-only', async () => {
    assert.equal((await stack.request({ path: '/api/v1/inventory/9' })).status, 200);
    assert.equal((await stack.request({ method: 'POST', path: '/api/v1/inventory/9', body: '{}', headers: { 'content-type': 'application/json' } })).status, 403);
  });

  it('an injection is refused (and the client is then banned)', async () => {
    const r = await stack.request({ path: `/api/v1/orders?q=${encodeURIComponent("1' or '1'='1")}`, headers: bearer('ALICE_TOKEN') });
    assert.equal(r.status, 403, r.body);
    assert.equal(r.json().error, 'ERR_THREAT');
    const after = await stack.request({ path: '/api/v1/inventory/9' });
    assert.equal(after.status, 403);
    assert.equal(after.json().error, 'ERR_BANNED');
  });
});
