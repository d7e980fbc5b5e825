import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';
import { waitFor } from './harness/proc.js';
import { metricSum, metricsText } from './ratelimit-helpers.js';

const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'identity' };
/** Generous bound for "answered by its failure mode, not held by the hung Redis" on a shared 2-core machine. */
const ANSWER_BOUND_MS = 1500;

/**
 * Redis stops answering but keeps its connections open (SIGSTOP: a paused VM, a path that drops packets), which
 * no connection error reveals: every Check must still be answered by its failure mode within the deadlines
 * (ban lookup: on_store_error allow, counted; limits: open lets through, closed refuses 503), and everything
 * works again once Redis answers, without a restart.
 */
describe('a hung Redis (SIGSTOP) under Checks through a real Envoy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      redis: 'single',
      config: (v) => `
store: { kind: redis, url: "${v.redisUrl}", command_timeout_ms: 100 }
threat:
  ban: { ttl_ms: 60000, cache_ms: 0, on_store_error: allow }
  events: { log: false }
ratelimit:
  redis: { deadline_ms: 50, breaker: { failures: 3, open_ms: 300 } }
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
      envoy: { vars: { EXT_AUTHZ_TIMEOUT: '5s' } },
      wait: 'alive',
    });
  });
  after(async () => {
    try { process.kill(stack.redis!.proc.child.pid!, 'SIGCONT'); } catch { /* gone */ }
    await stack?.stop();
  });

  it('every Check is answered within the bound by its failure mode, and all works again when Redis answers', async () => {
    assert.equal((await stack.request({ path: '/api/v1/users/1', headers: UA })).status, 200);
    assert.equal((await stack.request({ path: '/api/v1/inventory/1', headers: UA })).status, 200);
    process.kill(stack.redis!.proc.child.pid!, 'SIGSTOP');
    const answers: Array<{ path: string; status: number; ms: number }> = [];
    const until = Date.now() + 2000;
    await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      for (let n = i; Date.now() < until; n++) {
        const path = n % 2 === 0 ? '/api/v1/users/1' : '/api/v1/inventory/1';
        const t0 = Date.now();
        const r = await stack.request({ path, headers: UA });
        answers.push({ path, status: r.status, ms: Date.now() - t0 });
      }
    }));
    assert.ok(answers.length >= 20, `${answers.length} answers`);
    assert.deepEqual(answers.filter((a) => a.ms > ANSWER_BOUND_MS), [], 'no Check held by the hung Redis');
    assert.deepEqual([...new Set(answers.filter((a) => a.path.includes('users')).map((a) => a.status))], [200], 'fail open: through');
    assert.deepEqual([...new Set(answers.filter((a) => a.path.includes('inventory')).map((a) => a.status))], [503], 'fail closed: refused');

    process.kill(stack.redis!.proc.child.pid!, 'SIGCONT');
    await waitFor('the closed route admits again', async () => (await stack.request({ path: '/api/v1/inventory/1', headers: UA })).status === 200, 10_000, 100);
    const text = await metricsText(stack.portcullis[0]!.adminUrl);
    assert.ok(metricSum(text, 'portcullis_fail_open_total', { route: 'users', stage: 'ratelimit' }) > 0, 'limit fail-open counted');
    assert.ok(metricSum(text, 'portcullis_fail_open_total', { route: 'users', stage: 'threat_bans' }) > 0, 'ban lookup fail-open counted');
  });
});
