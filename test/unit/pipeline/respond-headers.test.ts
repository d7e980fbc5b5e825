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
