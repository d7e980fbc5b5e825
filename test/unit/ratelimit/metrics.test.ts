import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { registry } from '../../../src/telemetry/metrics.js';
import { decide, hit, rule, testLimiter, type TestLimiter } from './helpers.js';

let t: TestLimiter;
afterEach(() => t?.close());

function sample(text: string, name: string, domain: string, descriptor: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`domain="${domain}"`) && l.includes(`descriptor="${descriptor}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('rate-limit metrics', () => {
  it('count hits, over, near and within per domain and configured descriptor; a scrape sees them, a second adds only new ones', async () => {
    t = testLimiter();
    const r = rule({ domain: 'metrics-test', descriptor: 'remote_address', requestsPerUnit: 10, period: { unit: 'hour', multiplier: 1 } });
    for (let i = 0; i < 12; i++) await decide(t, [hit(r, `metrics-test|remote_address=10.0.0.${i % 2}`)]);
    let text = await registry.metrics();
    assert.equal(sample(text, 'portcullis_ratelimit_hits_total', 'metrics-test', 'remote_address'), 12);
    assert.equal(sample(text, 'portcullis_ratelimit_within_limit_total', 'metrics-test', 'remote_address'), 12);
    for (let i = 0; i < 6; i++) await decide(t, [hit(r, 'metrics-test|remote_address=10.0.0.0')]);
    text = await registry.metrics();
    assert.equal(sample(text, 'portcullis_ratelimit_hits_total', 'metrics-test', 'remote_address'), 18);
    assert.equal(sample(text, 'portcullis_ratelimit_over_limit_total', 'metrics-test', 'remote_address'), 2);
    // 10.0.0.0 used 9 and 10 of 10: above the 0.8 ratio (8) → 2 near-limit hits
    assert.equal(sample(text, 'portcullis_ratelimit_near_limit_total', 'metrics-test', 'remote_address'), 2);
    assert.ok(!text.includes('10.0.0.0'), 'request values never become labels');
  });
});
