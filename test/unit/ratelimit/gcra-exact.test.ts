// GCRA keeps its times in whole microseconds. The emission interval T = period / limit is rarely whole
// (1 s / 3000 = 333.33 µs): rounding each charge to the nearest microsecond undercharged every request
// whose T has a fraction below one half, so a bucket admitted more than `burst` at once and more than
// `limit` per period (3003 of a 3000 burst), and others fewer (6 of a 7 burst). T is rounded up to a whole
// microsecond now: the burst is exact and the rate never above the limit.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { planGcra } from '../../../src/ratelimit/algorithms/gcra.js';
import { MemoryCounterStore } from '../../../src/ratelimit/store/memory.js';
import { decide, hit, rule, testLimiter, type TestLimiter } from './helpers.js';

let t: TestLimiter;
afterEach(() => t?.close());

describe('GCRA never admits more than its burst and rate', () => {
  for (const [limit, unit] of [[3000, 'second'], [120_000, 'second'], [7, 'minute'], [1_000_000, 'hour']] as const) {
    it(`${limit} per ${unit}, burst ${limit}: at most ${limit} admitted at once`, () => {
      const now = Date.UTC(2024, 0, 1, 10, 0, 0, 250);
      const store = new MemoryCounterStore(10, 60_000, () => now);
      const h = hit(rule({ requestsPerUnit: limit, algorithm: 'gcra', period: { unit, multiplier: 1 } }));
      let admitted = 0;
      for (let i = 0; i < limit + 10; i++) if (store.decide([planGcra(h, 't')], 'independent', now)[0]!.ok) admitted++;
      store.close();
      assert.ok(admitted <= limit, `${admitted} admitted`);
      assert.equal(admitted, limit, 'a full bucket holds exactly its burst');
    });
  }

  it('3000 per second over 2 s of steady traffic: at most burst + rate × time', async () => {
    t = testLimiter();
    const r = rule({ requestsPerUnit: 3000, algorithm: 'gcra', burst: 10 });
    let admitted = 0;
    for (let ms = 0; ms < 2000; ms++) {
      for (let k = 0; k < 5; k++) if (!(await decide(t, [hit(r)]))[0]!.over) admitted++;
      t.clock.advance(1);
    }
    assert.ok(admitted <= 10 + 3000 * 2, `${admitted} admitted`);
  });
});
