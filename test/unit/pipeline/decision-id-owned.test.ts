import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deny } from '../../../src/pipeline/deny.js';
import type { Stage } from '../../../src/pipeline/stage.js';
import { decide, denyBody, runtimeFrom } from '../helpers.js';

/**
 * x-portcullis-decision-id (and the decision_id / route / code of the dynamic metadata) is Portcullis's: the
 * one id quoted in the deny body, the decision log and Envoy's access log. A route's upstream_headers, a
 * policy's headers or dynamic_metadata, or a stage's Deny naming it must not add a second value or replace it.
 */

const ID = 'x-portcullis-decision-id';

async function withStage(stage: Stage, extra = ''): Promise<any> {
  const rt = await runtimeFrom(`routes:\n  - name: r\n    match: { path: { prefix: / } }\n${extra}`);
  const route = rt.table.match({ path: '/', host: '', method: 'GET', headers: {}, contextExtensions: {} })!;
  route.stages.unshift(stage);
  return decide(rt, { path: '/x', headers: { [ID]: 'from-the-client' } });
}

const values = (hvos: any[], name: string): string[] => hvos.filter((o) => o.header.key.toLowerCase() === name).map((o) => o.header.value);
const noop: Stage = { name: 'noop', phase: 'screen', run: () => undefined };

describe('respond: the decision id is Portcullis\'s own', () => {
  it('a route\'s upstream_headers naming it: the upstream gets one value, the real id', async () => {
    const resp = await withStage(noop, `    upstream_headers: { ${ID}: fixed }\n`);
    assert.equal(resp.status.code, 0);
    const id = resp.dynamic_metadata.fields.decision_id.stringValue;
    assert.deepEqual(values(resp.ok_response.headers, ID), [id]);
    assert.ok(resp.ok_response.headers.every((o: any) => o.append?.value !== true || o.header.key !== ID));
    assert.deepEqual(values(resp.ok_response.response_headers_to_add, ID), [id]);
  });

  it('a stage setting it on the upstream request or the client response (any letter case): one value, the real id', async () => {
    const resp = await withStage({ name: 'sets', phase: 'authorize', run: (ctx) => {
      ctx.upstreamHeaders.push(['X-Portcullis-Decision-Id', 'mine']);
      ctx.responseHeaders.push([ID, 'mine'], ['X-Portcullis-Decision-Id', 'mine too']);
    } });
    const id = resp.dynamic_metadata.fields.decision_id.stringValue;
    assert.deepEqual(values(resp.ok_response.headers, ID), [id]);
    assert.deepEqual(values(resp.ok_response.response_headers_to_add, ID), [id]);
  });

  it('dynamic metadata from a stage (a policy\'s dynamic_metadata) does not replace decision_id, route or code', async () => {
    const resp = await withStage({ name: 'meta', phase: 'authorize', run: (ctx) => {
      Object.assign(ctx.dynamicMetadata, { decision_id: 'forged', route: 'other', code: 'ERR_X', team: 'payments' });
    } });
    const f = resp.dynamic_metadata.fields;
    assert.match(f.decision_id.stringValue, /^[0-9a-f-]{36}$/);
    assert.equal(f.route.stringValue, 'r');
    assert.equal(f.code.stringValue, 'OK');
    assert.equal(f.team.stringValue, 'payments', 'the stage\'s own keys are kept');
    assert.deepEqual(values(resp.ok_response.headers, ID), [f.decision_id.stringValue]);
  });

  it('a Deny whose headers name it: the client gets one value, the id of the deny body', async () => {
    const resp = await withStage({ name: 'no', phase: 'authorize', run: () => new Deny('ERR_POLICY_DENIED', 'no', 403, { 'X-Portcullis-Decision-Id': 'mine', 'x-other': 'kept' }) });
    assert.equal(resp.status.code, 7);
    const id = denyBody(resp).decision_id;
    assert.deepEqual(values(resp.denied_response.headers, ID), [id]);
    assert.deepEqual(values(resp.denied_response.headers, 'x-other'), ['kept']);
  });
});
