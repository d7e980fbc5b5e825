// One ShouldRateLimit call whose descriptors land on the same counter (Envoy sends the same descriptor twice
// when a virtual host and its route both have e.g. `remote_address`): envoyproxy/ratelimit pipelines one
// INCRBY per descriptor, so the second descriptor sees the first one's hits. Each op of one store call must
// see the ops before it, or a request is admitted that takes the counter past its limit.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { loadDomainDir } from '../../../src/ratelimit/envoy-config/loader.js';
import type { ConfigState } from '../../../src/ratelimit/envoy-config/watcher.js';
import { RlsHandler } from '../../../src/ratelimit/rls/handler.js';
import { MemoryCounterStore } from '../../../src/ratelimit/store/memory.js';
import { FIXED, GCRA, SLIDING, type CounterOp } from '../../../src/ratelimit/store/types.js';
import { testLimiter, type TestLimiter } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-rl-same-'));
writeFileSync(join(dir, 'twice.yaml'), `
domain: twice
descriptors:
  - key: fixed
    rate_limit: { unit: minute, requests_per_unit: 3 }
  - key: sliding
    rate_limit: { unit: minute, requests_per_unit: 3, algorithm: sliding_window }
  - key: gcra
    rate_limit: { unit: minute, requests_per_unit: 3, algorithm: gcra }
`);
after(() => rmSync(dir, { recursive: true, force: true }));

let t: TestLimiter;
let h: RlsHandler;
let state: ConfigState;

beforeEach(() => {
  const r = loadDomainDir(dir, { strict: false, failureMode: 'closed' });
  assert.deepEqual(r.problems, []);
  state = { current: r.set!, lastAttempt: 0 };
  t = testLimiter();
  t.clock.t = Date.UTC(2024, 0, 1, 10, 0, 20);
  h = new RlsHandler(state, t.limiter, { headers: 'none', globalShadowMode: false, failureMode: 'closed' });
});
afterEach(() => t.close());

const twice = (key: string) => ({
  domain: 'twice',
  descriptors: [{ entries: [{ key, value: 'v' }] }, { entries: [{ key, value: 'v' }] }],
});
const summary = (res: any) => `${res.overall_code} ${res.statuses.map((s: any) => `${s.code}:${s.limit_remaining}`).join(' ')}`;

describe('ShouldRateLimit: two descriptors on one counter in one call', () => {
  for (const key of ['fixed', 'sliding', 'gcra']) {
    it(`${key}: the second descriptor sees the first one's hit (never admitted past the limit)`, async () => {
      // limit 3, each call costs 2: the first call fits, the second has room for one hit only
      assert.equal(summary(await h.handle(twice(key))), 'OK OK:2 OK:1');
      const second = await h.handle(twice(key));
      assert.equal(second.overall_code, 'OVER_LIMIT', summary(second));
      assert.deepEqual(second.statuses.map((s: any) => s.code), ['OK', 'OVER_LIMIT']);
    });
  }

  it('fixed window counts both, as envoyproxy/ratelimit\'s pipelined INCRBYs do', async () => {
    await h.handle(twice('fixed'));
    const r = await h.handle(twice('fixed'));
    assert.deepEqual(r.statuses.map((s: any) => `${s.code}:${s.limit_remaining}`), ['OK:0', 'OVER_LIMIT:0']);
    // the refused hit was counted (envoyproxy/ratelimit counting): a check now finds the counter past the limit
    assert.equal((await h.handle({ domain: 'twice', descriptors: [{ entries: [{ key: 'fixed', value: 'v' }], hits_addend: { value: 0 } }] })).overall_code, 'OVER_LIMIT');
  });
});

describe('MemoryCounterStore: ops of one call on one key are applied in order', () => {
  const now = Date.UTC(2024, 0, 1, 10, 0, 20);
  const fixed = (hits: number): CounterOp => ({ kind: FIXED, key: 'f', key2: 'f', tag: 't', a: 3, hits, p: 0, ttlMs: 60_000, shadow: false });
  const sliding = (hits: number): CounterOp => ({ kind: SLIDING, key: 's', key2: 's-prev', tag: 't', a: 3, hits, p: 0.5, ttlMs: 60_000, shadow: false });
  const gcra = (hits: number): CounterOp => ({ kind: GCRA, key: 'g', key2: 'g', tag: 't', a: 20_000_000, hits, p: 60_000_000, ttlMs: 0, shadow: false });

  for (const [name, op] of [['fixed', fixed], ['sliding', sliding], ['gcra', gcra]] as const) {
    it(`${name}: independent mode, 2 + 2 hits on a limit of 3: the first admitted, the second refused`, () => {
      const m = new MemoryCounterStore(100, 60_000, () => now);
      const r = m.decide([op(2), op(2)], 'independent', now);
      assert.deepEqual(r.map((x) => x.ok), [true, false]);
      m.close();
    });
    it(`${name}: all-or-nothing mode, 2 + 2 hits on a limit of 3: refused, nothing consumed`, () => {
      const m = new MemoryCounterStore(100, 60_000, () => now);
      assert.deepEqual(m.decide([op(2), op(2)], 'all', now).map((x) => x.ok), [true, false]);
      assert.deepEqual(m.decide([op(3)], 'all', now).map((x) => x.ok), [true], 'the refused decision consumed nothing');
      m.close();
    });
  }
});
