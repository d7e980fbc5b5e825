/**
 * The top-offenders view lists per-value hits only for limits with detailed_metric (envoyproxy/ratelimit's
 * per-value statsd counters). Before, every other limit showed `"hits": 0` next to `over_limit: 3`: a count
 * that was never kept, read as "no hits".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Offenders } from '../../../src/ratelimit/offenders.js';
import type { Hit, LimitRule } from '../../../src/ratelimit/rule.js';

const rule = (descriptor: string, detailed: boolean): LimitRule => ({
  domain: 'edge', descriptor, name: descriptor, requestsPerUnit: 2, period: { unit: 'minute', ms: 60_000 } as never,
  algorithm: 'fixed_window', burst: 2, shadowMode: false, failureMode: 'open', detailed,
});
const hit = (r: LimitRule, key: string, hits = 1): Hit => ({ rule: r, key, limit: 2, hits, redact: false } as unknown as Hit);

describe('Offenders', () => {
  it('counts per-value hits for a detailed_metric limit, and keeps no hits figure for the others', () => {
    const o = new Offenders(10, true);
    const detailed = rule('detailed', true);
    const plain = rule('plain', false);
    for (let i = 0; i < 5; i++) o.record(hit(detailed, 'edge_k_a', 2), i >= 1, 1000 + i);
    for (let i = 0; i < 5; i++) o.record(hit(plain, 'edge_k_b'), i >= 2, 1000 + i);
    const [a, b] = o.top(10);
    assert.equal(a!.key, 'edge_k_a');
    assert.equal(a!.overLimit, 8);
    assert.equal(a!.hits, 10, 'every hit of a detailed limit is counted, under the limit or over it');
    assert.equal(b!.key, 'edge_k_b');
    assert.equal(b!.overLimit, 3);
    assert.equal(b!.hits, undefined, 'no per-value hits for a limit without detailed_metric');
  });
});
