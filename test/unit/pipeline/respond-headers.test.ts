import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deny } from '../../../src/pipeline/deny.js';
import { decide, runtimeFrom } from '../helpers.js';

/** respond.ts: the headers of a denied response when a stage's Deny names some itself. */

async function denyWith(deny: Deny): Promise<Array<[string, string]>> {
  const rt = await runtimeFrom('routes:\n  - name: r\n    match: { path: { prefix: / } }\n');
  const route = rt.table.match({ path: '/', host: '', method: 'GET', headers: {}, contextExtensions: {} })!;
  route.stages.unshift({ name: 'says-no', phase: 'screen', run: () => deny });
  const resp = await decide(rt, { path: '/x' });
  assert.equal(resp.status.code, 7);
  return resp.denied_response.headers.map((o: any) => [o.header.key.toLowerCase(), o.header.value]);
}

const valuesOf = (h: Array<[string, string]>, name: string) => h.filter(([k]) => k === name).map(([, v]) => v);

describe('respond: denied response content-type', () => {
  it('a Deny that names its content-type (a policy\'s headers, no body) gets one content-type line, its own', async () => {
    const h = await denyWith(new Deny('ERR_POLICY_DENIED', 'denied by policy', 403, { 'Content-Type': 'text/html; charset=utf-8', 'set-cookie': ['a=1', 'b=2'] }));
    assert.deepEqual(valuesOf(h, 'content-type'), ['text/html; charset=utf-8']);
    assert.deepEqual(valuesOf(h, 'set-cookie'), ['a=1', 'b=2']);
  });

  it('a Deny without one gets application/json for the JSON error body', async () => {
    const h = await denyWith(new Deny('ERR_FORBIDDEN', 'no', 403));
    assert.deepEqual(valuesOf(h, 'content-type'), ['application/json']);
  });
});

/** What the upstream sees for `name`, applying the HeaderValueOptions in order as Envoy does (overwrite / append). */
function effective(resp: any, name: string, client?: string): string | undefined {
  let v = client;
  for (const o of resp.ok_response.headers) {
    if (o.header.key.toLowerCase() !== name) continue;
    const append = o.append?.value === true || o.append_action === 0;
    v = append && v !== undefined ? `${v},${o.header.value}` : o.header.value;
  }
  return v;
}

describe('respond: upstream headers set by several stages', () => {
  it('the route\'s upstream_headers replace a value an earlier stage set under that name (not joined with it)', async () => {
    const rt = await runtimeFrom('routes:\n  - name: r\n    match: { path: { prefix: / } }\n    upstream_headers: { x-user-id: svc }\n');
    const route = rt.table.match({ path: '/', host: '', method: 'GET', headers: {}, contextExtensions: {} })!;
    route.stages.unshift({ name: 'forwards', phase: 'identify', run: (ctx) => { ctx.upstreamHeaders.push(['x-user-id', 'alice'], ['x-list', 'a'], ['x-list', 'b']); } });
    const resp = await decide(rt, { path: '/x', headers: { 'x-user-id': 'spoofed', 'x-list': 'spoofed' } });
    assert.equal(resp.status.code, 0);
    assert.equal(effective(resp, 'x-user-id', 'spoofed'), 'svc');
    assert.equal(effective(resp, 'x-list', 'spoofed'), 'a,b', 'one stage\'s list stays a list');
  });
});

describe('respond: owned headers on an allow', () => {
  const YAML = 'identity:\n  forward: { claims: { sub: x-user-id } }\nroutes:\n  - name: r\n    match: { path: { prefix: / } }\n    upstream_headers: { x-gateway: gw }\n';

  it('every owned name nobody sets is removed even when the CheckRequest did not carry it (Envoy allowed_headers)', async () => {
    const rt = await runtimeFrom(YAML);
    const resp = await decide(rt, { path: '/x', headers: { 'x-other': '1' } });
    assert.equal(resp.status.code, 0);
    const removed: string[] = resp.ok_response.headers_to_remove;
    for (const name of ['x-user-id', 'x-portcullis-risk-score']) assert.ok(removed.includes(name), `${name} in ${removed.join(' ')}`);
    assert.ok(!removed.includes('x-gateway') && !removed.includes('x-portcullis-decision-id'), 'a header Portcullis sets is never removed');
    assert.ok(!removed.includes('x-other'));
  });

  it('an owned name a stage sets in another case is not also removed', async () => {
    const rt = await runtimeFrom(YAML);
    const route = rt.table.match({ path: '/', host: '', method: 'GET', headers: {}, contextExtensions: {} })!;
    route.stages.push({ name: 'sets', phase: 'respond', run: (ctx) => { ctx.upstreamHeaders.push(['X-User-Id', 'svc']); } });
    for (const headers of [{}, { 'x-user-id': 'forged' }] as Array<Record<string, string>>) {
      const resp = await decide(rt, { path: '/x', headers });
      assert.equal(effective(resp, 'x-user-id', headers['x-user-id']), 'svc');
      assert.ok(!resp.ok_response.headers_to_remove.includes('x-user-id'), JSON.stringify(headers));
    }
  });
});
