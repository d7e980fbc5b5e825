import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';
import {
  awayFromHourBoundary, concurrently, histogram, metricSum, metricsText, rlsClient, rlsRequest, shouldRateLimit, writeRlsConfig, type RlsClient,
} from './ratelimit-helpers.js';

const RLS_YAML = `
domain: portcullis
descriptors:
  - key: path
    value: /api/v1/orders/burst
    rate_limit: { unit: hour, requests_per_unit: 100 }
`;
const API_YAML = `
domain: api
descriptors:
  - key: tenant
    rate_limit: { unit: hour, requests_per_unit: 200 }
  - key: tenant
    value: gcra
    rate_limit: { unit: minute, requests_per_unit: 60, algorithm: gcra, burst: 50 }
  - key: tenant
    value: sliding
    rate_limit: { unit: hour, requests_per_unit: 150, algorithm: sliding_window }
`;

/** Two Portcullis replicas behind one Envoy, sharing a real 3-master Redis Cluster. */
describe('rate limiting on a real 3-master Redis Cluster with two replicas', () => {
  let stack: Stack;
  let clients: RlsClient[] = [];
  before(async () => {
    stack = await startStack({
      redis: 'cluster', replicas: 2,
      config: (v) => {
        const rl = writeRlsConfig(v.dir, { 'portcullis.yaml': RLS_YAML, 'api.yaml': API_YAML });
        return `
store: { kind: cluster, nodes: ${JSON.stringify(v.redisNodes)}, command_timeout_ms: 2000 }
ratelimit:
  config_dir: ${rl}
  redis: { deadline_ms: 2000 }
  limits:
    burst: { by: header:x-run, requests_per_unit: 100, unit: hour }
routes:
  - name: inventory
    match: { context_extensions: { service: inventory } }
    ratelimit: { limits: [burst] }
  - name: any
    match: { path: { prefix: / } }
`;
      },
      envoy: { vars: { RATELIMIT_TIMEOUT: '5s', RATELIMIT_FAILURE_MODE_DENY: 'true', EXT_AUTHZ_TIMEOUT: '5s' } },
    });
    // 64 clients, each on its own connection, alternating between the two replicas
    clients = Array.from({ length: 64 }, (_, i) => rlsClient(stack.portcullis[i % 2]!.grpcAddress));
  });
  after(async () => { for (const c of clients) c.close(); await stack?.stop(); });

  it('ShouldRateLimit directly: 64 concurrent clients over two replicas on one key admit exactly the limit', async () => {
    await awayFromHourBoundary();
    const req = rlsRequest('api', [['tenant', `t-${Date.now()}`]]);
    const codes = await concurrently(64, 5, async (c) => (await shouldRateLimit(clients[c]!, req)).overall_code);
    assert.deepEqual(histogram(codes), { OK: 200, OVER_LIMIT: 120 });
  });

  it('hits_addend under concurrency: admitted hits never exceed the limit', async () => {
    await awayFromHourBoundary();
    const req = rlsRequest('api', [['tenant', `h-${Date.now()}`]], 3);
    const codes = await concurrently(64, 2, async (c) => (await shouldRateLimit(clients[c]!, req)).overall_code);
    assert.deepEqual(histogram(codes), { OK: 66, OVER_LIMIT: 62 }, '66 × 3 = 198 ≤ 200 < 67 × 3');
  });

  it('GCRA and sliding window keep their bound under 64 concurrent clients', async () => {
    await awayFromHourBoundary();
    const t0 = Date.now();
    const gcra = await concurrently(64, 4, async (c) => (await shouldRateLimit(clients[c]!, rlsRequest('api', [['tenant', 'gcra']]))).overall_code);
    const elapsedS = (Date.now() - t0) / 1000;
    const admitted = gcra.filter((c) => c === 'OK').length;
    assert.ok(admitted >= 50, `a full bucket is admitted (${admitted})`);
    assert.ok(admitted <= 50 + Math.ceil(elapsedS) + 1, `never more than burst + rate × time (${admitted} in ${elapsedS}s)`);
    const sliding = await concurrently(64, 4, async (c) => (await shouldRateLimit(clients[c]!, rlsRequest('api', [['tenant', 'sliding']]))).overall_code);
    assert.deepEqual(histogram(sliding), { OK: 150, OVER_LIMIT: 106 });
  });

  it('through Envoy, both paths: 64 concurrent clients admit exactly the limit', async () => {
    await awayFromHourBoundary();
    const rls = await concurrently(64, 3, async () => (await stack.request({ path: '/api/v1/orders/burst' })).status);
    assert.deepEqual(histogram(rls), { 200: 100, 429: 92 });
    const check = await concurrently(64, 3, async () => (await stack.request({ path: '/api/v1/inventory/x', headers: { 'x-run': `c-${process.pid}` } })).status);
    assert.deepEqual(histogram(check), { 200: 100, 429: 92 });
  });

  it('an unknown domain is OK with no limits, and counted', async () => {
    const r = await shouldRateLimit(clients[0]!, { domain: 'nope', descriptors: [{ entries: [{ key: 'a', value: 'b' }] }, { entries: [{ key: 'c', value: 'd' }] }] });
    assert.equal(r.overall_code, 'OK');
    assert.deepEqual(r.statuses.map((s: any) => [s.code, s.current_limit ?? null]), [['OK', null], ['OK', null]]);
    await shouldRateLimit(clients[0]!, rlsRequest('api', [['tenant', 'metrics']]));
    const text = await metricsText(stack.portcullis[0]!.adminUrl);
    assert.ok(metricSum(text, 'portcullis_ratelimit_unknown_domain_total') >= 1);
    assert.ok(metricSum(text, 'portcullis_ratelimit_store_duration_seconds_count', { store: 'cluster', result: 'ok' }) > 0);
  });
});
