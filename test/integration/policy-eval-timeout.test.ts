import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundle } from '../../src/policy/cli/build.js';
import { startStack, type Stack } from './harness/stack.js';

/**
 * A policy quadratic in its input ("no duplicates" over the JSON body's items) and a request with a large
 * array: without a deadline the evaluation holds the process for minutes and every Check — on any route —
 * waits (Envoy answers its own bodiless 403 at its ext_authz timeout). With eval_timeout_ms the big request
 * gets Portcullis's ERR_POLICY deny and a request on another route sent at the same time is answered.
 */
const POLICY = `package dedup
import rego.v1
default allow := false
allow if not has_duplicates
has_duplicates if {
  some i, j
  input.parsed_body.items[i] == input.parsed_body.items[j]
  i != j
}
`;

describe('policy eval_timeout_ms behind a real Envoy', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      config: ({ dir }) => {
        const src = join(dir, 'dedup-src');
        mkdirSync(join(src, 'dedup'), { recursive: true });
        writeFileSync(join(src, 'dedup', 'p.rego'), POLICY);
        const r = buildBundle({ src, out: join(dir, 'dedup.tar.gz'), entrypoints: ['dedup/allow'] });
        assert.ok(r.ok, r.output);
        return `
policy:
  bundles: { dedup: { file: dedup.tar.gz, eval_timeout_ms: 100 } }
routes:
  - name: orders
    match: { path: { prefix: /api/v1/orders } }
    policy: { bundle: dedup, entrypoint: dedup/allow }
  - name: other
    match: { path: { prefix: / } }
`;
      },
      envoy: { vars: { MAX_BODY_BYTES: '262144' } },
    });
  });
  after(async () => { await stack?.stop(); });

  const post = (items: number[]) => stack.request({
    method: 'POST', path: '/api/v1/orders', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }),
  });

  it('a small body gets the policy\'s own answers', async () => {
    assert.equal((await post([1, 2, 3])).status, 200);
    const dup = await post([1, 2, 1]);
    assert.equal(dup.status, 403);
    assert.equal(dup.json().error, 'ERR_POLICY_DENIED');
  });

  it('a big array is denied with ERR_POLICY while a concurrent request on another route is answered', { timeout: 120_000 }, async () => {
    const big = post(Array.from({ length: 20_000 }, (_, i) => i));
    const other = stack.request({ method: 'GET', path: '/api/v1/users/1' });
    const [b, o] = await Promise.all([big, other]);
    assert.equal(b.status, 403);
    assert.equal(b.json().error, 'ERR_POLICY', 'Portcullis\'s deny, not Envoy\'s timeout');
    assert.equal(o.status, 200);
    // the engine is not broken: the next small request is evaluated normally
    assert.equal((await post([4, 5, 6])).status, 200);
    const metrics = await (await fetch(`${stack.portcullis[0]!.adminUrl}/metrics`)).text();
    assert.match(metrics, /portcullis_policy_eval_timeouts_total\{bundle="dedup"\} [1-9]/);
  });
});
