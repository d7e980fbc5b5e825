// ShouldRateLimit answering OK because a limit's failure_mode is open while the store is away: counted in
// portcullis_fail_open_total like every other fail-open (the README and the PortcullisFailOpen alert rely on
// it), not only in the rate-limit module's own failure-mode counter.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { loadDomainDir } from '../../../src/ratelimit/envoy-config/loader.js';
import { RlsHandler } from '../../../src/ratelimit/rls/handler.js';
import { StoreFailure, type CounterStore } from '../../../src/ratelimit/store/types.js';
import { metrics } from '../../../src/telemetry/metrics.js';
import { testLimiter, type TestLimiter } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-rl-failopen-'));
writeFileSync(join(dir, 'edge.yaml'), `
domain: failopen_edge
descriptors:
  - key: soft
    rate_limit: { unit: minute, requests_per_unit: 10, failure_mode: open }
  - key: hard
    rate_limit: { unit: minute, requests_per_unit: 10, failure_mode: closed }
`);
after(() => rmSync(dir, { recursive: true, force: true }));

const down: CounterStore = { kind: 'redis', decide: () => Promise.reject(new StoreFailure('timeout', 'store call exceeded 10 ms')) };
let t: TestLimiter;
let h: RlsHandler;

beforeEach(() => {
  const r = loadDomainDir(dir, { strict: false, failureMode: 'closed' });
  assert.deepEqual(r.problems, []);
  t = testLimiter({ store: down });
  h = new RlsHandler({ current: r.set!, lastAttempt: 0 }, t.limiter, { headers: 'none', globalShadowMode: false, failureMode: 'closed' });
});
afterEach(() => t.close());

async function failOpenTotal(): Promise<number> {
  return (await metrics.failOpen.get()).values.reduce((n, v) => n + v.value, 0);
}
const req = (...keys: string[]) => ({ domain: 'failopen_edge', descriptors: keys.map((key) => ({ entries: [{ key, value: 'x' }] })) });

describe('ShouldRateLimit fail-open is counted in portcullis_fail_open_total', () => {
  it('an OK answered by failure_mode open counts once per call', async () => {
    const before = await failOpenTotal();
    assert.equal((await h.handle(req('soft'))).overall_code, 'OK');
    assert.equal(await failOpenTotal(), before + 1);
    const v = (await metrics.failOpen.get()).values.find((x) => x.labels.stage === 'should_rate_limit:failopen_edge');
    assert.ok(v && v.value >= 1, 'labelled with the domain, never a request value');
  });

  it('a call refused anyway (failure_mode closed on another descriptor) let nothing through: not counted', async () => {
    const before = await failOpenTotal();
    assert.equal((await h.handle(req('soft', 'hard'))).overall_code, 'OVER_LIMIT');
    assert.equal(await failOpenTotal(), before);
  });
});
