import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

  it('logs carry the request id and decision id, never credentials', async () => {
    const r = await stack.request({ method: 'DELETE', path: '/api/v1/users/1', headers: { 'x-tenant': 'a', 'x-request-id': 'test-rid-42', authorization: 'Bearer s3cr3t-t0ken', cookie: 'session=c00kie' } });
    assert.equal(r.status, 405);
    const decisionId = r.json().decision_id;
    await new Promise((res) => setTimeout(res, 200));
    const line = stack.portcullis[0]!.logs().split('\n').find((l) => l.includes('test-rid-42'));
    assert.ok(line, 'a decision log line with the request id');
    const rec = JSON.parse(line);
    assert.equal(rec.decision_id, decisionId);
    assert.equal(rec.code, 'ERR_FORBIDDEN');
    assert.equal(rec.stage, 'static_rules');
    const all = stack.portcullis[0]!.logs();
    assert.ok(!all.includes('s3cr3t-t0ken') && !all.includes('c00kie'));
  });

  it('Envoy normalises the path before routing and Check, so dot-segments and doubled slashes cannot dodge a route', async () => {
    // without normalize_path Portcullis would match "/public/../api/v1/users/7" to the open public route while an
    // upstream that resolves dot-segments serves /api/v1/users/7
    for (const path of ['/public/../api/v1/users/7', '/public/%2e%2e/api/v1/users/7', '/public/./../api/v1/users/7']) {
      const r = await stack.request({ path });
      assert.equal(r.status, 403, `${path}: ${r.body}`);
      assert.equal(r.json().message, 'x-tenant required', path);
    }
    const ok = await stack.request({ path: '/public/../api//v1/users/7', headers: { 'x-tenant': 'acme' } });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json().path, '/api/v1/users/7', 'the upstream sees the same normalised path Portcullis judged');
    // an escaped slash is unescaped, the path normalised, and the client redirected to that one path
    const esc = await stack.request({ path: '/public%2F..%2Fapi/v1/users/7' });
    assert.equal(esc.status, 307);
    assert.equal(esc.headers.location, '/api/v1/users/7');
  });

  it('Envoy refuses header names with underscores, which CGI-style upstreams read as dashes', async () => {
    // x_tenant would reach a WSGI/CGI upstream as HTTP_X_TENANT, the same variable as x-tenant
    const r = await stack.request({ path: '/api/v1/users/7', headers: { x_tenant: 'acme' } });
    assert.equal(r.status, 400);
  });

  it('/metrics is valid Prometheus exposition with checks, durations, stages and build info', async () => {
    const text = await (await fetch(`${stack.portcullis[0]!.adminUrl}/metrics`)).text();
    // promtool parses the exposition and lints names; the only lint it may report is about prom-client's
    // own Node.js default gauges (named *_total upstream), never about Portcullis's metrics
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.ok(lint.status !== null, 'promtool ran');
    const problems = `${lint.stdout}${lint.stderr}`.split('\n').filter((l) => l.trim() && !l.startsWith('portcullis_process_nodejs_active_'));
    assert.deepEqual(problems, []);
    assert.match(text, /portcullis_checks_total\{decision="allow",code="OK",route="users"\} [1-9]/);
    assert.match(text, /portcullis_checks_total\{decision="deny",code="ERR_NO_ROUTE",route="\(none\)"\} [1-9]/);
    assert.match(text, /portcullis_check_duration_seconds_bucket\{le="0.001",decision="allow"\}/);
    assert.match(text, /portcullis_stage_duration_seconds_count\{stage="static_rules"\} [1-9]/);
    assert.match(text, /portcullis_config_reloads_total\{result="success"\} 1/);
    assert.match(text, /portcullis_build_info\{version="[0-9.]+",node="20/);
    const ready = await fetch(`${stack.portcullis[0]!.adminUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal((await fetch(`${stack.portcullis[0]!.adminUrl}/healthz`)).status, 200);
  });
});
