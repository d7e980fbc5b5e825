import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { loadDomainDir } from '../../../src/ratelimit/envoy-config/loader.js';
import { MAX_TALLIES, ruleMetrics, tallyCount } from '../../../src/ratelimit/metrics.js';
import { MAX_OVERRIDE_LABELS, OTHER_OVERRIDE, RlsHandler } from '../../../src/ratelimit/rls/handler.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { rule, testLimiter, type TestLimiter } from './helpers.js';

const VALID = join(import.meta.dirname, '../../fixtures/ratelimit/valid');
let t: TestLimiter | undefined;
afterEach(() => t?.close());

/** Label sets of one metric in the exposition text. */
function series(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`));
}

describe('rate-limit metric label sets stay bounded', () => {
  it('100k ShouldRateLimit calls with caller-chosen descriptor keys and a limit override: descriptor labels are capped', async () => {
    const r = loadDomainDir(VALID, { strict: false, failureMode: 'closed' });
    t = testLimiter();
    const h = new RlsHandler({ current: r.set!, lastAttempt: 0 }, t.limiter, { headers: 'none', globalShadowMode: false, failureMode: 'closed' });
    const before = tallyCount();
    for (let i = 0; i < 100_000; i++) {
      const res = await h.handle({
        domain: 'mongo_cps',
        descriptors: [{ entries: [{ key: `k${i}`, value: 'v' }], limit: { requests_per_unit: 5, unit: 'MINUTE' } }],
      });
      assert.equal(res.statuses[0].current_limit.requests_per_unit, 5, 'the override still applies past the label cap');
    }
    assert.ok(tallyCount() - before <= MAX_OVERRIDE_LABELS + 1, `${tallyCount() - before} tallies`);
    const text = await registry.metrics();
    const hits = series(text, 'portcullis_ratelimit_hits_total').filter((l) => l.includes('domain="mongo_cps"'));
    assert.ok(hits.length <= MAX_OVERRIDE_LABELS + 1, `${hits.length} label sets`);
    const other = hits.find((l) => l.includes(`descriptor="${OTHER_OVERRIDE}"`));
    assert.equal(Number(other?.split(' ').pop()), 100_000 - MAX_OVERRIDE_LABELS);
    assert.ok(!text.includes('k99999'), 'a caller-chosen key past the cap is not a label');
  });

  it('ruleMetrics: past MAX_TALLIES distinct (domain, descriptor) pairs, the rest count as "(other)"', () => {
    const start = tallyCount();
    for (let i = 0; i < 100_000; i++) ruleMetrics(rule({ domain: 'bounds', descriptor: `d${i}` })).hits++;
    assert.ok(tallyCount() <= MAX_TALLIES + 1, `${tallyCount()} tallies`);
    assert.ok(tallyCount() > start);
  });
});
