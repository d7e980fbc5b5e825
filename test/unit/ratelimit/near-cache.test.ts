import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { decide, hit, rule, testLimiter, type TestLimiter } from './helpers.js';

// A near-cache entry says "this counter is over ITS limit until t". A hit on the same counter under a higher
// limit (a plan upgrade, a per-identity override, a reloaded rule) is not proven over by it.
describe('near cache and the limit it was learnt under', () => {
  let t: TestLimiter;
  afterEach(() => t.close());

  it('fixed window: a refusal under limit 2 is not replayed for the same counter under limit 5', async () => {
    t = testLimiter({ nearCacheKeys: 100 });
    const r = rule({ requestsPerUnit: 2, period: { unit: 'minute', multiplier: 1 } });
    for (let i = 0; i < 2; i++) assert.equal((await decide(t, [hit(r, 'k', 1, 2)]))[0]!.over, false);
    assert.equal((await decide(t, [hit(r, 'k', 1, 2)]))[0]!.source, 'store');
    assert.equal((await decide(t, [hit(r, 'k', 1, 2)]))[0]!.source, 'near_cache');
    const up = (await decide(t, [hit(r, 'k', 1, 5)]))[0]!;
    assert.equal(up.over, false, `refused by ${up.source}`);
    assert.equal(up.source, 'store');
    // a lower limit than the one learnt is still over
    assert.equal((await decide(t, [hit(r, 'k', 1, 1)]))[0]!.over, true);
  });

  it('GCRA: a larger burst on the same bucket is asked again', async () => {
    t = testLimiter({ nearCacheKeys: 100 });
    const small = rule({ algorithm: 'gcra', requestsPerUnit: 60, period: { unit: 'minute', multiplier: 1 }, burst: 1 });
    assert.equal((await decide(t, [hit(small, 'g')]))[0]!.over, false);
    assert.equal((await decide(t, [hit(small, 'g')]))[0]!.over, true);
    assert.equal((await decide(t, [hit(small, 'g')]))[0]!.source, 'near_cache');
    const big = { ...small, burst: 5 };
    const v = (await decide(t, [hit(big, 'g')]))[0]!;
    assert.equal(v.source, 'store');
    assert.equal(v.over, false);
  });
});
