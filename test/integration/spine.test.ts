import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';

const CONFIG = `
default_action: { action: deny }
routes:
  - name: users
    match: { path: { prefix: /api/v1/users } }
    upstream_headers: { x-portcullis-route: users }
    rules:
      - { name: no-delete, action: deny, methods: [DELETE], status: 405, message: "deletes are not allowed" }
      - { name: need-tenant, action: deny, headers: [ { name: x-tenant, present: false } ], message: "x-tenant required" }
  - name: public
    match: { path: { prefix: /public } }
`;

describe('spine through a real Envoy', () => {
  let stack: Stack;
  before(async () => { stack = await startStack({ config: CONFIG }); });
  after(async () => { await stack?.stop(); });

  it('an allowed request reaches the upstream with the added headers', async () => {
    const r = await stack.request({ path: '/api/v1/users/7?x=1', headers: { 'x-tenant': 'acme' } });
    assert.equal(r.status, 200, r.body);
    const seen = r.json();
    assert.equal(seen.path, '/api/v1/users/7?x=1');
    assert.equal(seen.headers['x-portcullis-route'], 'users');
    assert.match(seen.headers['x-portcullis-decision-id'], /^[0-9a-f-]{36}$/);
    assert.equal(r.headers['x-portcullis-decision-id'], seen.headers['x-portcullis-decision-id']);
  });

  it('a denied request gets the status and the JSON error body', async () => {
    const r = await stack.request({ method: 'DELETE', path: '/api/v1/users/7', headers: { 'x-tenant': 'acme' } });
    assert.equal(r.status, 405);
    const body = r.json();
    assert.equal(body.error, 'ERR_FORBIDDEN');
    assert.equal(body.message, 'deletes are not allowed');
    assert.equal(body.decision_id, r.headers['x-portcullis-decision-id']);
    const r2 = await stack.request({ path: '/api/v1/users/7' });
    assert.equal(r2.status, 403);
    assert.equal(r2.json().message, 'x-tenant required');
  });

  it('a request matching no route gets the default deny', async () => {
    const r = await stack.request({ path: '/nowhere' });
    assert.equal(r.status, 403);
    assert.equal(r.json().error, 'ERR_NO_ROUTE');
  });
});
