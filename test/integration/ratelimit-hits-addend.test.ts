// Per-descriptor hits_addend through a real Envoy: the route's rate_limits entry sets `hits_addend`
// (a number, or a format string evaluated per request), Envoy sends it in RateLimitDescriptor.hits_addend
// (field 3, UInt64Value) and Portcullis counts it for that descriptor only. envoy/envoy.yaml's
// /api/v1/weighted route (RATELIMIT_HITS_ADDEND) sends (weighted=cost, run=x-run) with the addend and
// (weighted=count, run=x-run) without one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';
import { awayFromHourBoundary, concurrently, histogram, metricSum, metricsText, writeRlsConfig } from './ratelimit-helpers.js';

const RLS_YAML = `
domain: portcullis
descriptors:
  - key: weighted
    value: cost
    descriptors:
      - key: run
        rate_limit: { unit: hour, requests_per_unit: 10 }
      - key: run
        value: bulk*
        rate_limit: { unit: hour, requests_per_unit: 100 }
  - key: weighted
    value: count
    descriptors:
      - key: run
        rate_limit: { unit: hour, requests_per_unit: 1000 }
`;

function config(v: { redisUrl?: string; dir: string }): string {
  const rl = writeRlsConfig(v.dir, { 'portcullis.yaml': RLS_YAML });
  return `
store: { kind: redis, url: "${v.redisUrl}", command_timeout_ms: 2000 }
ratelimit:
  config_dir: ${rl}
  response_headers: ietf
  redis: { deadline_ms: 1000 }
default_action: { action: allow }
routes:
  - name: any
    match: { path: { prefix: / } }
`;
}

function start(hitsAddend: string): Promise<Stack> {
  return startStack({
    config, redis: 'single',
    envoy: { vars: { RATELIMIT_HITS_ADDEND: hitsAddend, RATELIMIT_TIMEOUT: '5s', RATELIMIT_FAILURE_MODE_DENY: 'true', EXT_AUTHZ_TIMEOUT: '5s' } },
  });
}

const run = () => `run-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

async function hitsOf(stack: Stack, descriptor: string): Promise<number> {
  return metricSum(await metricsText(stack.portcullis[0]!.adminUrl), 'portcullis_ratelimit_hits_total', { domain: 'portcullis', descriptor });
}

describe('per-descriptor hits_addend through a real Envoy: hits_addend { number: 5 }', () => {
  let stack: Stack;
  before(async () => { stack = await start('{ number: 5 }'); });
  after(async () => { await stack?.stop(); });

  it('a limit of 10 is exhausted in two requests; the descriptor without an addend counts 1 each', async () => {
    await awayFromHourBoundary();
    const headers = { 'x-run': run() };
    const before = [await hitsOf(stack, 'weighted_cost.run'), await hitsOf(stack, 'weighted_count.run')];
    const first = await stack.request({ path: '/api/v1/weighted/1', headers });
    assert.equal(first.status, 200, first.body);
    assert.equal(first.headers['ratelimit-policy'], '"weighted_cost.run";q=10;w=3600');
    assert.match(first.headers.ratelimit!, /^"weighted_cost\.run";r=5;t=\d+$/);
    const second = await stack.request({ path: '/api/v1/weighted/1', headers });
    assert.equal(second.status, 200);
    assert.match(second.headers.ratelimit!, /;r=0;t=\d+$/);
    const third = await stack.request({ path: '/api/v1/weighted/1', headers });
    assert.equal(third.status, 429);
    assert.equal(third.headers['x-envoy-ratelimited'], 'true');
    // another run has its own counters
    assert.equal((await stack.request({ path: '/api/v1/weighted/1', headers: { 'x-run': run() } })).status, 200);
    const after = [await hitsOf(stack, 'weighted_cost.run'), await hitsOf(stack, 'weighted_count.run')];
    assert.deepEqual([after[0]! - before[0]!, after[1]! - before[1]!], [20, 4], 'cost counted 5 per request, count 1');
  });

  it('64 concurrent clients on one key: exactly limit / addend requests are admitted', async () => {
    await awayFromHourBoundary();
    const headers = { 'x-run': `bulk-${run()}` };                       // 100 per hour, 5 per request
    const statuses = await concurrently(64, 1, async () => (await stack.request({ path: '/api/v1/weighted/b', headers })).status);
    assert.deepEqual(histogram(statuses), { 200: 20, 429: 44 });
  });
});

describe('per-descriptor hits_addend through a real Envoy: hits_addend { format: "%REQ(x-cost)%" }', () => {
  let stack: Stack;
  before(async () => { stack = await start('{ format: "%REQ(x-cost)%" }'); });
  after(async () => { await stack?.stop(); });

  it('the addend comes from the request: 5 + 5 exhaust 10; 0 checks without counting', async () => {
    await awayFromHourBoundary();
    const a = run();
    const get = async (cost: string, r = a) => (await stack.request({ path: '/api/v1/weighted/f', headers: { 'x-run': r, 'x-cost': cost } })).status;
    assert.deepEqual([await get('5'), await get('5'), await get('5')], [200, 200, 429]);

    const b = run();
    // checks consume nothing: ten of them, then the whole limit in one request, then a check at the limit
    for (let i = 0; i < 10; i++) assert.equal(await get('0', b), 200);
    const full = await stack.request({ path: '/api/v1/weighted/f', headers: { 'x-run': b, 'x-cost': '10' } });
    assert.equal(full.status, 200, 'the checks did not count');
    assert.match(full.headers.ratelimit!, /;r=0;t=\d+$/);
    assert.equal(await get('0', b), 200, 'a check at the limit exactly still fits');
    assert.equal(await get('1', b), 429);
    assert.equal(await get('0', b), 429, 'the refused hit counted (fixed window), so the count is past the limit');
  });
});
