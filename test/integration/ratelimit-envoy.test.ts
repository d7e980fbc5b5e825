import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';
import { awayFromBoundary, awayFromHourBoundary, concurrently, histogram, metricSum, metricsText, writeRlsConfig } from './ratelimit-helpers.js';

// Envoy's ratelimit filter sends, for every route, the descriptors (remote_address), (path) and
// (remote_address, path) to domain "portcullis" (envoy/envoy.yaml).
const RLS_YAML = `
domain: portcullis
descriptors:
  - key: path
    value: /api/v1/orders/rls*
    rate_limit: { unit: minute, requests_per_unit: 2 }
  - key: path
    value: /api/v1/orders/burst*
    rate_limit: { unit: hour, requests_per_unit: 100 }
  - key: path
    value: /api/v1/orders/multi*
    rate_limit: { unit: minute, requests_per_unit: 5 }
  - key: remote_address
    descriptors:
      - key: path
        value: /api/v1/orders/unlimited*
        rate_limit: { unlimited: true }
      - key: path
        value: /api/v1/orders/multi*
        rate_limit: { unit: hour, requests_per_unit: 3 }
`;

function config(v: { redisUrl?: string; dir: string }): string {
  const rl = writeRlsConfig(v.dir, { 'portcullis.yaml': RLS_YAML });
  return `
store: { kind: redis, url: "${v.redisUrl}", command_timeout_ms: 2000 }   # exact counts: no timeouts on a loaded machine
ratelimit:
  config_dir: ${rl}
  response_headers: ietf
  redis: { deadline_ms: 1000 }
  limits:
    per-run: { by: [ip, header:x-run], requests_per_unit: 2, unit: minute }
    burst: { by: [ip, header:x-run], requests_per_unit: 100, unit: hour }
default_action: { action: deny }
routes:
  - name: users
    match: { context_extensions: { service: users } }
    ratelimit: { limits: [per-run] }
  - name: inventory
    match: { context_extensions: { service: inventory } }
    ratelimit: { limits: [burst] }
  - name: payments
    match: { context_extensions: { service: payments } }
    ratelimit: { limits: [{ limit: burst, hits_addend: 7 }] }
  - name: any
    match: { path: { prefix: / } }
`;
}

describe('rate limiting through a real Envoy and a real Redis', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      config, redis: 'single',
      // generous timeouts on a shared machine; failure_mode_deny so a slow answer shows as an error, never as an extra allow
      envoy: { vars: { RATELIMIT_TIMEOUT: '5s', RATELIMIT_FAILURE_MODE_DENY: 'true', EXT_AUTHZ_TIMEOUT: '5s' } },
    });
  });
  after(async () => { await stack?.stop(); });

  it('ratelimit filter path: OVER_LIMIT becomes 429 with RateLimit, RateLimit-Policy, Retry-After and Envoy\'s X-RateLimit-*', async () => {
    await awayFromBoundary(60_000, 10_000);
    const ok1 = await stack.request({ path: '/api/v1/orders/rls/1' });
    assert.equal(ok1.status, 200, ok1.body);
    assert.equal(ok1.headers['ratelimit-policy'], '"path_/api/v1/orders/rls*";q=2;w=60');
    assert.match(ok1.headers.ratelimit!, /^"path_\/api\/v1\/orders\/rls\*";r=1;t=\d+$/);
    assert.equal((await stack.request({ path: '/api/v1/orders/rls/1' })).status, 200);
    const over = await stack.request({ path: '/api/v1/orders/rls/1' });
    // a wildcard matches by prefix but counts per value, as envoyproxy/ratelimit does
    assert.equal((await stack.request({ path: '/api/v1/orders/rls/2' })).status, 200);
    assert.equal(over.status, 429);
    assert.match(over.headers['retry-after']!, /^\d+$/);
    assert.ok(Number(over.headers['retry-after']) >= 1 && Number(over.headers['retry-after']) <= 60);
    assert.match(over.headers.ratelimit!, /;r=0;t=\d+$/);
    assert.equal(over.headers['x-ratelimit-limit'], '2, 2;w=60', 'Envoy builds X-RateLimit-* from our statuses');
    assert.equal(over.headers['x-ratelimit-remaining'], '0');
    assert.equal(over.headers['x-envoy-ratelimited'], 'true');
  });

  it('Envoy\'s own X-RateLimit-* (enable_x_ratelimit_headers) built from our statuses: every limit listed, the one with the fewest left described', async () => {
    await awayFromHourBoundary();
    // (path) → 5 per minute, (remote_address, path) → 3 per hour, (remote_address) → no limit (no current_limit)
    const first = await stack.request({ path: '/api/v1/orders/multi/1' });
    assert.equal(first.status, 200, first.body);
    assert.equal(first.headers['x-ratelimit-limit'], '3, 5;w=60, 3;w=3600');
    assert.equal(first.headers['x-ratelimit-remaining'], '2');
    // the same descriptor as our own headers (ietf here) describe, with the same reset
    const ours = /;r=(\d+);t=(\d+)$/.exec(first.headers.ratelimit ?? '');
    assert.ok(ours, first.headers.ratelimit);
    assert.equal(ours[1], '2');
    assert.equal(first.headers['x-ratelimit-reset'], ours[2]);
    assert.ok(Number(ours[2]) > 60, 'the hourly limit is the one described');
    assert.equal((await stack.request({ path: '/api/v1/orders/multi/1' })).headers['x-ratelimit-remaining'], '1');
    assert.equal((await stack.request({ path: '/api/v1/orders/multi/1' })).headers['x-ratelimit-remaining'], '0');
    const over = await stack.request({ path: '/api/v1/orders/multi/1' });
    assert.equal(over.status, 429);
    assert.equal(over.headers['x-ratelimit-limit'], '3, 5;w=60, 3;w=3600');
    assert.equal(over.headers['x-ratelimit-remaining'], '0');
    assert.equal(over.headers['x-ratelimit-reset'], over.headers['retry-after']);
  });

  it('Check limit phase: 429 with Retry-After, rate-limit headers and the JSON error body', async () => {
    await awayFromBoundary(60_000, 10_000);
    const h = { 'x-run': 'check-429' };
    const first = await stack.request({ path: '/api/v1/users/1', headers: h });
    assert.equal(first.status, 200, first.body);
    assert.equal(first.headers['ratelimit-policy'], '"per-run";q=2;w=60');
    assert.match(first.headers.ratelimit!, /^"per-run";r=1;t=\d+$/);
    assert.equal((await stack.request({ path: '/api/v1/users/1', headers: h })).status, 200);
    const over = await stack.request({ path: '/api/v1/users/1', headers: h });
    assert.equal(over.status, 429);
    assert.equal(over.json().error, 'ERR_RATE_LIMITED');
    assert.match(over.headers['retry-after']!, /^\d+$/);
    assert.match(over.headers.ratelimit!, /^"per-run";r=0;t=\d+$/);
    // a different key is not affected
    assert.equal((await stack.request({ path: '/api/v1/users/1', headers: { 'x-run': 'other' } })).status, 200);
  });

  it('unlimited descriptors and unknown paths pass', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await stack.request({ path: '/api/v1/orders/unlimited/x' })).status, 200);
  });

  it('64 concurrent clients on one key through the ratelimit filter: exactly the limit is admitted', async () => {
    await awayFromHourBoundary();
    const statuses = await concurrently(64, 4, async () => (await stack.request({ path: '/api/v1/orders/burst/1' })).status);
    assert.deepEqual(histogram(statuses), { 200: 100, 429: 156 });
  });

  it('64 concurrent clients on one key through the Check limit phase: exactly the limit is admitted', async () => {
    await awayFromHourBoundary();
    const statuses = await concurrently(64, 4, async () => (await stack.request({ path: '/api/v1/inventory/item', headers: { 'x-run': 'burst-check' } })).status);
    assert.deepEqual(histogram(statuses), { 200: 100, 429: 156 });
  });

  it('hits_addend on a route: 64 concurrent clients paying 7 each from a limit of 100: exactly 14 admitted', async () => {
    await awayFromHourBoundary();
    const h = { 'x-run': 'cost-check' };
    const statuses = await concurrently(64, 4, async () => (await stack.request({ path: '/api/v1/payments/1', headers: h })).status);
    assert.deepEqual(histogram(statuses), { 200: 14, 429: 242 });
    // the same counter, at cost 1 from the inventory route: 100 - 98 = 2 left
    assert.equal((await stack.request({ path: '/api/v1/inventory/item', headers: h })).status, 200);
    assert.equal((await stack.request({ path: '/api/v1/inventory/item', headers: h })).status, 200);
    assert.equal((await stack.request({ path: '/api/v1/inventory/item', headers: h })).status, 429);
  });

  it('metrics per domain and configured descriptor, never request values', async () => {
    const text = await metricsText(stack.portcullis[0]!.adminUrl);
    assert.ok(metricSum(text, 'portcullis_ratelimit_over_limit_total', { domain: 'portcullis', descriptor: 'path_/api/v1/orders/burst*' }) >= 156);
    assert.ok(metricSum(text, 'portcullis_ratelimit_hits_total', { domain: 'check', descriptor: 'burst' }) >= 256);
    assert.ok(metricSum(text, 'portcullis_ratelimit_store_duration_seconds_count', { store: 'redis', result: 'ok' }) > 0);
    assert.ok(!/portcullis_ratelimit_[a-z_]+\{[^}]*burst\/\d/.test(text), 'no request path in a label');
    assert.ok(!text.includes('127.0.0.1"'), 'no client address in a label');
  });
});
