import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, denyBody, runtimeFrom, upstreamHeaders } from '../helpers.js';

const YAML = `
default_action: { action: deny, status: 404 }
routes:
  - name: admin-exact
    match: { path: { exact: /admin }, methods: [GET] }
    upstream_headers: { x-route: admin-exact }
  - name: users-v2
    match: { path: { regex: "/api/v2/users/[0-9]+" } }
    upstream_headers: { x-route: users-v2 }
  - name: payments
    match: { path: { prefix: /api/v1/payments }, context_extensions: { service: payments } }
    upstream_headers: { x-route: payments }
  - name: tenant-host
    match: { host: "*.tenant.example.com", path: { prefix: / } }
    upstream_headers: { x-route: tenant-host }
  - name: k8s-service
    match: { host: [orders, orders.shop, orders.shop.svc.cluster.local, "*.orders.example.com"], path: { prefix: / } }
    upstream_headers: { x-route: k8s-service }
  - name: beta
    match: { path: { prefix: / }, headers: [ { name: x-beta, exact: "1" } ] }
    upstream_headers: { x-route: beta }
  - name: exact-after-prefix
    match: { path: { exact: /late } }
    upstream_headers: { x-route: exact-after-prefix }
  - name: api
    match: { path: { prefix: /api } }
    upstream_headers: { x-route: api }
`;

async function routeOf(r: Parameters<typeof decide>[1]): Promise<string> {
  const rt = await runtimeFrom(YAML);
  const resp = await decide(rt, r);
  return resp.ok_response ? upstreamHeaders(resp)['x-route']! : `deny:${resp.denied_response.status.code}:${denyBody(resp).error}`;
}

describe('route table', () => {
  it('exact path and method', async () => {
    assert.equal(await routeOf({ path: '/admin' }), 'admin-exact');
    assert.equal(await routeOf({ method: 'POST', path: '/admin' }), 'deny:404:ERR_NO_ROUTE');
  });
  it('regex is a full match', async () => {
    assert.equal(await routeOf({ path: '/api/v2/users/42' }), 'users-v2');
    assert.equal(await routeOf({ path: '/api/v2/users/42/x' }), 'api');
  });
  it('regex matchers are RE2, as Envoy\'s safe_regex: nested quantifiers do not backtrack; look-around is a config error', async () => {
    // a backtracking engine accepts look-around and back-references (and would hang below)
    await assert.rejects(runtimeFrom('routes:\n  - name: la\n    match: { path: { regex: "/(?=admin).*" } }\n'), /routes\/0\/match\/path\/regex.*RE2 syntax.*\(\?=/s);
    await assert.rejects(runtimeFrom('routes:\n  - name: br\n    match: { path: { regex: "/(a)\\\\1" } }\n'), /RE2 syntax/);
    const rt = await runtimeFrom(`
routes:
  - name: nested
    match: { path: { regex: "/(a+)+" }, headers: [ { name: x-id, regex: "([a-z]+)*[0-9]" } ] }
    upstream_headers: { x-route: nested }
`);
    // 2^40 backtracking steps in a backtracking engine; RE2 answers at once
    const slow = `/${'a'.repeat(40)}!`;
    assert.ok((await decide(rt, { path: slow, headers: { 'x-id': 'abc1' } })).denied_response);
    assert.ok((await decide(rt, { path: '/aaa', headers: { 'x-id': `${'abcdefgh'.repeat(6)}!` } })).denied_response);
    assert.equal(upstreamHeaders(await decide(rt, { path: '/aaa', headers: { 'x-id': 'abc1' } }))['x-route'], 'nested');
  });
  it('context_extensions from Envoy select a route', async () => {
    assert.equal(await routeOf({ path: '/api/v1/payments/1', contextExtensions: { service: 'payments' } }), 'payments');
    assert.equal(await routeOf({ path: '/api/v1/payments/1' }), 'api');
  });
  it('wildcard host, ignoring the port', async () => {
    assert.equal(await routeOf({ path: '/x', host: 'acme.tenant.example.com:8443' }), 'tenant-host');
    assert.equal(await routeOf({ path: '/x', host: 'tenant.example.com' }), 'deny:404:ERR_NO_ROUTE');
  });
  it('a list of hosts: any of them, exact or *.suffix, port ignored, case-insensitive (a service\'s short and full names)', async () => {
    for (const host of ['orders', 'orders:8080', 'orders.shop', 'ORDERS.shop.svc.cluster.local:8080', 'eu.orders.example.com']) {
      assert.equal(await routeOf({ path: '/x', host }), 'k8s-service', host);
    }
    for (const host of ['orders.other', 'orders.shop.svc', 'orders.example.com', 'xorders']) {
      assert.equal(await routeOf({ path: '/x', host }), 'deny:404:ERR_NO_ROUTE', host);
    }
  });
  it('header match', async () => {
    assert.equal(await routeOf({ path: '/late', headers: { 'x-beta': '1' } }), 'beta');
  });
  it('first match wins even when an exact route is declared after a prefix route', async () => {
    assert.equal(await routeOf({ path: '/late' }), 'exact-after-prefix');
    assert.equal(await routeOf({ path: '/admin', method: 'GET', headers: { 'x-beta': '1' } }), 'admin-exact');
  });
  it('no route: the configured default', async () => {
    assert.equal(await routeOf({ path: '/nothing' }), 'deny:404:ERR_NO_ROUTE');
    const rt = await runtimeFrom('default_action: { action: allow }\nroutes: []\n');
    assert.ok((await decide(rt, { path: '/nothing' })).ok_response);
  });
});
