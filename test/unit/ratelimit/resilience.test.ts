import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CircuitBreaker } from '../../../src/common/circuit-breaker.js';
import { GuardedStore } from '../../../src/ratelimit/store/guarded.js';
import { StoreFailure, type CounterOp, type CounterStore, type RawResult } from '../../../src/ratelimit/store/types.js';
import { FakeClock, decide, hit, rule, testLimiter, type TestLimiter } from './helpers.js';

/** A remote store the test controls: answers, hangs, or fails. */
class ScriptedStore implements CounterStore {
  readonly kind = 'redis' as const;
  mode: 'answer' | 'hang' | 'fail' = 'answer';
  calls = 0;
  constructor(private readonly backing: CounterStore) {}
  decide(ops: CounterOp[], m: 'independent' | 'all', now: number): Promise<RawResult[]> {
    this.calls++;
    if (this.mode === 'hang') return new Promise(() => undefined);
    if (this.mode === 'fail') return Promise.reject(new Error('ECONNRESET'));
    return Promise.resolve(this.backing.decide(ops, m, now));
  }
}

let t: TestLimiter | undefined;
afterEach(() => { t?.close(); t = undefined; });

function op(): CounterOp {
  return { kind: 1, key: 'k', key2: 'k', tag: 't', a: 10, hits: 1, p: 0, ttlMs: 1000, shadow: false };
}

describe('store deadline and circuit breaker', () => {
  it('a store that does not answer is given up at the deadline (StoreFailure timeout)', async () => {
    const inner = new ScriptedStore({ kind: 'memory', decide: () => [] });
    inner.mode = 'hang';
    const g = new GuardedStore(inner, { deadlineMs: 15, breaker: { failures: 5, openMs: 1000 } });
    await assert.rejects(g.decide([op()], 'all', Date.now()), (e: unknown) => e instanceof StoreFailure && e.reason === 'timeout');
  });

  it('opens after N consecutive failures: calls fail at once without reaching the store; a probe after open_ms closes it', async () => {
    const clock = new FakeClock();
    const inner = new ScriptedStore({ kind: 'memory', decide: () => [{ ok: true, x: 1, y: 0 }] });
    inner.mode = 'fail';
    const g = new GuardedStore(inner, { deadlineMs: 1000, breaker: { failures: 3, openMs: 500 } }, undefined, clock.now);
    for (let i = 0; i < 3; i++) await assert.rejects(g.decide([op()], 'all', 0), (e: unknown) => (e as StoreFailure).reason === 'error');
    assert.equal(g.breaker.state, 'open');
    await assert.rejects(g.decide([op()], 'all', 0), (e: unknown) => (e as StoreFailure).reason === 'breaker_open');
    assert.equal(inner.calls, 3);
    clock.advance(500);
    inner.mode = 'answer';
    assert.deepEqual(await g.decide([op()], 'all', 0), [{ ok: true, x: 1, y: 0 }]);
    assert.equal(g.breaker.state, 'closed');
  });

  it('a failed half-open probe opens the breaker again; only one probe at a time', () => {
    const clock = new FakeClock();
    const b = new CircuitBreaker({ failures: 1, openMs: 100 }, clock.now);
    b.failure();
    assert.equal(b.allow(), false);
    clock.advance(100);
    assert.equal(b.allow(), true);
    assert.equal(b.state, 'half_open');
    assert.equal(b.allow(), false, 'second caller during the probe');
    b.failure();
    assert.equal(b.state, 'open');
    assert.equal(b.allow(), false);
  });

  it('while the client is disconnected, calls fail at once (reason disconnected)', async () => {
    const inner = new ScriptedStore({ kind: 'memory', decide: () => [] });
    let status = 'reconnecting';
    const g = new GuardedStore(inner, { deadlineMs: 1000, breaker: { failures: 3, openMs: 500 } }, () => status);
    await assert.rejects(g.decide([op()], 'all', 0), (e: unknown) => (e as StoreFailure).reason === 'disconnected');
    assert.equal(inner.calls, 0);
    status = 'ready';
    inner.mode = 'answer';
    await g.decide([op()], 'all', 0);
    assert.equal(inner.calls, 1);
  });
});

describe('failure modes per limit', () => {
  function setup() {
    const backing = testLimiter();
    const remote = new ScriptedStore(backing.local);
    t = testLimiter({ store: remote, clock: backing.clock });
    return { remote, backing };
  }

  it('open: allowed while the store is away', async () => {
    const { remote, backing } = setup();
    remote.mode = 'fail';
    const v = await decide(t!, [hit(rule({ failureMode: 'open', requestsPerUnit: 1 }))]);
    assert.deepEqual([v[0]!.over, v[0]!.source], [false, 'fail_open']);
    backing.close();
  });

  it('closed: refused while the store is away', async () => {
    const { remote, backing } = setup();
    remote.mode = 'fail';
    const v = await decide(t!, [hit(rule({ failureMode: 'closed' }))]);
    assert.deepEqual([v[0]!.over, v[0]!.source], [true, 'fail_closed']);
    backing.close();
  });

  it('local: enforced by in-memory buckets while the store is away, by the store again when it is back', async () => {
    const { remote, backing } = setup();
    const r = rule({ failureMode: 'local', requestsPerUnit: 2, period: { unit: 'minute', multiplier: 1 } });
    remote.mode = 'fail';
    const local = [];
    for (let i = 0; i < 3; i++) local.push((await decide(t!, [hit(r)]))[0]!);
    assert.deepEqual(local.map((v) => [v.over, v.source]), [[false, 'local'], [false, 'local'], [true, 'local']]);
    remote.mode = 'answer';
    const back = (await decide(t!, [hit(r)]))[0]!;
    assert.deepEqual([back.over, back.source], [false, 'store']);
    backing.close();
  });

  it('mixed modes in one decision each get their own answer', async () => {
    const { remote, backing } = setup();
    remote.mode = 'fail';
    const v = await decide(t!, [
      hit(rule({ descriptor: 'a', failureMode: 'open' }), 'a'),
      hit(rule({ descriptor: 'b', failureMode: 'closed' }), 'b'),
      hit(rule({ descriptor: 'c', failureMode: 'local' }), 'c'),
    ], 'all');
    assert.deepEqual(v.map((x) => x.source), ['fail_open', 'fail_closed', 'local']);
    backing.close();
  });
});
