import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';
import { waitFor } from './harness/proc.js';
import { awayFromHourBoundary, metricSum, metricsText, rlsClient, rlsRequest, shouldRateLimit, sleep, writeRlsConfig, type RlsClient } from './ratelimit-helpers.js';

const RLS_YAML = `
domain: fail
descriptors:
  - key: mode
    value: open*
    rate_limit: { unit: hour, requests_per_unit: 100000, failure_mode: open }
  - key: mode
    value: closed*
    rate_limit: { unit: hour, requests_per_unit: 100000, failure_mode: closed }
  - key: mode
    value: local*
    rate_limit: { unit: hour, requests_per_unit: 20, failure_mode: local }
`;

const DEADLINE_MS = 50;
/** Generous bound for "answered within the deadline" on a shared 2-core machine (deadline 50 ms). */
const ANSWER_BOUND_MS = 1000;

interface Answer { mode: string; code?: string; error?: string; ms: number }

describe('Redis killed under load', () => {
  let stack: Stack;
  let clients: RlsClient[];
  before(async () => {
    stack = await startStack({
      redis: 'single',
      config: (v) => `
store: { kind: redis, url: "${v.redisUrl}", command_timeout_ms: 200 }
ratelimit:
  config_dir: ${writeRlsConfig(v.dir, { 'fail.yaml': RLS_YAML })}
  redis: { deadline_ms: ${DEADLINE_MS}, breaker: { failures: 3, open_ms: 300 } }
routes:
  - name: users
    match: { context_extensions: { service: users } }
    ratelimit: { limits: [{ name: soft, by: ip, requests_per_unit: 100000, unit: hour, failure_mode: open }] }
  - name: inventory
    match: { context_extensions: { service: inventory } }
    ratelimit: { limits: [{ name: strict, by: ip, requests_per_unit: 100000, unit: hour, failure_mode: closed }] }
  - name: any
    match: { path: { prefix: / } }
`,
      // a dead Redis must not look like a dead rate-limit service to Envoy
      envoy: { vars: { RATELIMIT_TIMEOUT: '5s', RATELIMIT_FAILURE_MODE_DENY: 'true', EXT_AUTHZ_TIMEOUT: '5s' } },
      // Redis down makes /readyz report the store; the service itself keeps answering
      wait: 'alive',
    });
    clients = Array.from({ length: 16 }, () => rlsClient(stack.portcullis[0]!.grpcAddress));
  });
  after(async () => { for (const c of clients ?? []) c.close(); await stack?.stop(); });

  /** 16 clients cycling through the three failure modes for `ms`; every answer and its latency. */
  async function load(ms: number, suffix: string): Promise<Answer[]> {
    const out: Answer[] = [];
    const until = Date.now() + ms;
    const modes = ['open', 'closed', 'local'];
    await Promise.all(clients.map(async (c, i) => {
      for (let n = i; Date.now() < until; n++) {
        const mode = modes[n % 3]!;
        const t0 = Date.now();
        try {
          const r = await shouldRateLimit(c, rlsRequest('fail', [['mode', `${mode}-${suffix}`]]));
          out.push({ mode, code: r.overall_code, ms: Date.now() - t0 });
        } catch (err) {
          out.push({ mode, error: (err as Error).message, ms: Date.now() - t0 });
        }
      }
    }));
    return out;
  }

  it('answers every request within the deadline by each limit\'s failure mode, and limits resume when Redis returns', async (t) => {
    await awayFromHourBoundary(60_000); // hourly counters: the whole test inside one window
    const healthy = await load(500, 'healthy');
    assert.ok(healthy.length > 30);
    assert.deepEqual(healthy.filter((a) => a.error), []);

    // kill Redis while the load runs
    const during = load(3000, 'outage');
    await sleep(300);
    await stack.redis!.stop('SIGKILL');
    const answers = await during;
    assert.deepEqual(answers.filter((a) => a.error).map((a) => a.error), [], 'no request failed');
    const slow = answers.filter((a) => a.ms > ANSWER_BOUND_MS);
    assert.deepEqual(slow, [], 'no request waited on the dead Redis');
    const sorted = answers.map((a) => a.ms).sort((x, y) => x - y);
    t.diagnostic(`${answers.length} answers around the kill: p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms`);

    // a steady outage: what each mode answers
    const outage = await load(1000, 'steady');
    assert.deepEqual(outage.filter((a) => a.error), []);
    assert.ok(outage.filter((a) => a.mode === 'open').every((a) => a.code === 'OK'), 'fail open: allowed');
    assert.ok(outage.filter((a) => a.mode === 'closed').every((a) => a.code === 'OVER_LIMIT'), 'fail closed: refused');
    const local = outage.filter((a) => a.mode === 'local');
    assert.ok(local.length > 20);
    assert.equal(local.filter((a) => a.code === 'OK').length, 20, 'local buckets keep enforcing the limit');
    assert.ok(Math.max(...outage.map((a) => a.ms)) <= ANSWER_BOUND_MS);

    // the Check path through Envoy during the outage
    const soft = await stack.request({ path: '/api/v1/users/1' });
    assert.equal(soft.status, 200, 'Check limit with failure_mode open lets the request through');
    const strict = await stack.request({ path: '/api/v1/inventory/1' });
    assert.equal(strict.status, 503);
    assert.equal(strict.json().error, 'ERR_UNAVAILABLE');
    assert.equal(strict.headers['retry-after'], '1');

    // Redis comes back (empty): the client reconnects by itself and the breaker closes
    await stack.redis!.start();
    await waitFor('limits answered by Redis again', async () =>
      (await shouldRateLimit(clients[0]!, rlsRequest('fail', [['mode', 'closed-probe']]))).overall_code === 'OK', 20000, 100);
    const after = [];
    for (let i = 0; i < 25; i++) after.push((await shouldRateLimit(clients[i % 16]!, rlsRequest('fail', [['mode', 'local-after']]))).overall_code);
    assert.equal(after.filter((c) => c === 'OK').length, 20, 'counted in Redis again');
    assert.equal((await stack.request({ path: '/api/v1/inventory/1' })).status, 200);

    const text = await metricsText(stack.portcullis[0]!.adminUrl);
    assert.ok(metricSum(text, 'portcullis_ratelimit_store_failures_total', { store: 'redis' }) > 0);
    for (const mode of ['open', 'closed', 'local']) {
      assert.ok(metricSum(text, 'portcullis_ratelimit_failure_mode_total', { domain: 'fail', mode }) > 0, `failure_mode ${mode} counted`);
    }
    assert.ok(metricSum(text, 'portcullis_fail_open_total', { route: 'users', stage: 'ratelimit' }) > 0, 'fail-open counted');
    assert.ok(metricSum(text, 'portcullis_fail_open_total', { stage: 'should_rate_limit:fail' }) > 0, 'ShouldRateLimit fail-open counted');
    assert.equal(metricSum(text, 'portcullis_ratelimit_breaker_state', { store: 'redis' }), 0, 'breaker closed again');
  });
});
