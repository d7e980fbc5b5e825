import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deny } from '../../../src/pipeline/deny.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { decide, denyBody, runtimeFrom, upstreamHeaders } from '../helpers.js';

const YAML = (failOpen: boolean) => `
routes:
  - name: r
    fail_open: ${failOpen}
    match: { path: { prefix: / } }
    upstream_headers: { x-portcullis-route: r, x-user-id: svc }
    rules:
      - { name: no-delete, action: deny, methods: [DELETE], status: 405, message: "no deletes" }
      - { action: allow, path: { prefix: /public } }
      - { action: deny, headers: [ { name: x-debug, present: true } ], message: "debug header not allowed" }
      - { action: deny, headers: [ { name: user-agent, regex: ".*sqlmap.*" } ] }
`;

async function withThrowingStage(failOpen: boolean) {
  const rt = await runtimeFrom(YAML(failOpen));
  const route = rt.table.match({ path: '/', host: '', method: 'GET', headers: {}, contextExtensions: {} })!;
  route.stages.unshift({ name: 'boom', phase: 'screen', run() { throw new Error('kaboom'); } });
  return rt;
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values ?? []).find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}

describe('check: static rules and the response mapping', () => {
  it('allow carries upstream headers, removes spoofed owned headers, adds the decision id both ways', async () => {
    const rt = await runtimeFrom(YAML(false));
    const resp = await decide(rt, { path: '/x', headers: { 'x-portcullis-role': 'admin', 'x-user-id': 'root', 'x-other': '1' } });
    assert.equal(resp.status.code, 0);
    const h = upstreamHeaders(resp);
    assert.equal(h['x-portcullis-route'], 'r');
    assert.equal(h['x-user-id'], 'svc');
    assert.match(h['x-portcullis-decision-id']!, /^[0-9a-f-]{36}$/);
    // the forged one seen in the request, and every owned name set by no stage (Envoy's allowed_headers may not have sent them)
    assert.deepEqual([...resp.ok_response.headers_to_remove].sort(), ['x-portcullis-auth-kind', 'x-portcullis-risk-findings', 'x-portcullis-risk-score', 'x-portcullis-role', 'x-portcullis-subject']);
    assert.ok(resp.ok_response.headers.every((o: any) => o.append_action === 2), 'overwrite, never append');
    assert.equal(resp.ok_response.response_headers_to_add[0].header.value, h['x-portcullis-decision-id']);
    const dyn = resp.dynamic_metadata.fields;
    assert.equal(dyn.route.stringValue, 'r');
    assert.equal(dyn.decision_id.stringValue, h['x-portcullis-decision-id']);
  });

  it('deny carries status, JSON body and the decision id', async () => {
    const rt = await runtimeFrom(YAML(false));
    const resp = await decide(rt, { method: 'DELETE', path: '/x' });
    assert.equal(resp.status.code, 7);
    assert.equal(resp.denied_response.status.code, 405);
    const body = denyBody(resp);
    assert.deepEqual(Object.keys(body), ['error', 'message', 'decision_id']);
    assert.equal(body.error, 'ERR_FORBIDDEN');
    assert.equal(body.message, 'no deletes');
    const hdrs = Object.fromEntries(resp.denied_response.headers.map((o: any) => [o.header.key, o.header.value]));
    assert.equal(hdrs['content-type'], 'application/json');
    assert.equal(hdrs['x-portcullis-decision-id'], body.decision_id);
  });

  it('first matching rule wins; allow rules skip later denies', async () => {
    const rt = await runtimeFrom(YAML(false));
    assert.ok((await decide(rt, { path: '/public/x', headers: { 'x-debug': '1' } })).ok_response);
    assert.equal(denyBody(await decide(rt, { path: '/x', headers: { 'x-debug': '1' } })).message, 'debug header not allowed');
    assert.ok((await decide(rt, { path: '/x', headers: { 'user-agent': 'sqlmap/1.7' } })).denied_response);
    assert.ok((await decide(rt, { path: '/x', headers: { 'user-agent': 'curl/8' } })).ok_response);
  });

  it('rules_default: deny refuses what no rule allowed', async () => {
    const rt = await runtimeFrom('routes:\n  - name: r\n    rules_default: deny\n    rules:\n      - { action: allow, methods: [GET] }\n');
    assert.ok((await decide(rt, { method: 'GET' })).ok_response);
    assert.equal(denyBody(await decide(rt, { method: 'POST' })).error, 'ERR_FORBIDDEN');
  });

  it('a malformed CheckRequest is a deny with a reason, never an allow', async () => {
    const rt = await runtimeFrom(YAML(true));
    for (const bad of [{}, { attributes: null }, { attributes: { request: { http: { method: 'GET' } } } }, null]) {
      const resp = await (await import('../../../src/pipeline/check.js')).check(rt, bad, (await import('../helpers.js')).silent);
      assert.equal(resp.denied_response.status.code, 400);
      assert.equal(denyBody(resp).error, 'ERR_BAD_REQUEST');
    }
  });

  it('an exception inside a stage is ERR_INTERNAL (fail closed)', async () => {
    const rt = await withThrowingStage(false);
    const resp = await decide(rt, { path: '/x' });
    assert.equal(resp.denied_response.status.code, 500);
    assert.equal(denyBody(resp).error, 'ERR_INTERNAL');
    assert.ok(!resp.denied_response.body.includes('kaboom'), 'internal details stay in the log');
  });

  it('a fail_open route allows on a stage error and counts it', async () => {
    const before = await metricValue('portcullis_fail_open_total', { route: 'r', stage: 'boom' });
    const rt = await withThrowingStage(true);
    const resp = await decide(rt, { path: '/x' });
    assert.ok(resp.ok_response);
    assert.equal(await metricValue('portcullis_fail_open_total', { route: 'r', stage: 'boom' }), before + 1);
  });

  it('a Deny with custom headers and body passes them through', async () => {
    const rt = await runtimeFrom(YAML(false));
    const route = rt.table.match({ path: '/', host: '', method: 'GET', headers: {}, contextExtensions: {} })!;
    route.stages.unshift({ name: 'custom', phase: 'screen', run: () => new Deny('ERR_RATE_LIMITED', 'slow down', undefined, { 'retry-after': '7' }, 'plain body') });
    const resp = await decide(rt, { path: '/x' });
    assert.equal(resp.denied_response.status.code, 429);
    assert.equal(resp.denied_response.body, 'plain body');
    const hdrs = Object.fromEntries(resp.denied_response.headers.map((o: any) => [o.header.key, o.header.value]));
    assert.equal(hdrs['retry-after'], '7');
    assert.equal(hdrs['content-type'], undefined);
  });
});
