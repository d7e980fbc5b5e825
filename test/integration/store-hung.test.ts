import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/store/redis.js';
import { StoreUnavailableError } from '../../src/store/types.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startRedis, type RedisNode } from './harness/redis.js';
import { waitFor } from './harness/proc.js';

const logger = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'pc-hung-'));

async function getCalls(raw: Redis): Promise<number> {
  const m = /cmdstat_get:calls=(\d+)/.exec(await raw.info('commandstats'));
  return m ? Number(m[1]) : 0;
}

/**
 * A Redis that stops answering but keeps its connections open (a stopped process, a paused VM, a network path
 * that drops packets): every command sent waits in the client's queue for a reply. Each Check sends one (a ban
 * lookup, a nonce claim); the command deadline answers the Check, but the command stays queued, ~1.4 KB each,
 * for as long as the connection stays open (minutes with a dead network path), and Redis runs every one of
 * them once it answers again.
 */
describe('a Redis that stops answering with its connections open (SIGSTOP, real redis-server)', () => {
  let redis: RedisNode;
  let s: RedisStore;
  let raw: Redis;
  before(async () => {
    redis = await startRedis(dir);
    s = new RedisStore({ url: redis.url, commandTimeoutMs: 25, connectTimeoutMs: 1000, keyPrefix: 't:' }, logger);
    raw = new Redis(redis.url);
    await waitFor('store ready', async () => s.ready());
  });
  after(async () => {
    try { process.kill(redis.proc.child.pid!, 'SIGCONT'); } catch { /* gone */ }
    raw?.disconnect(); await s?.close(); await redis?.stop();
  });

  it('calls fail within the deadline; once Redis has been silent for a second they are no longer sent; the store recovers by itself', async () => {
    await raw.config('RESETSTAT');
    process.kill(redis.proc.child.pid!, 'SIGSTOP');
    /** Batches of 50 concurrent lookups for `ms`; every one must fail with StoreUnavailableError within the bound. */
    const lookups = async (ms: number): Promise<number> => {
      let sent = 0;
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const batch: Array<Promise<unknown>> = [];
        for (let i = 0; i < 50; i++) {
          sent++;
          const t0 = Date.now();
          batch.push(s.get(`threat:ban:203.0.113.${i}`).then(() => assert.fail('a stopped Redis answered'), (err: unknown) => {
            assert.ok(err instanceof StoreUnavailableError, String(err));
            assert.ok(Date.now() - t0 < 1000, 'failed within the deadline');
          }));
        }
        await Promise.all(batch);
      }
      return sent;
    };
    const early = await lookups(1500); // Redis silent for more than STORE_HUNG_MS (1 s): the breaker opens
    assert.equal(s.breaker?.state, 'open');
    const late = await lookups(1500);
    process.kill(redis.proc.child.pid!, 'SIGCONT');
    await waitFor('the store answers again', async () => s.get('x').then(() => true, () => false), 5000, 50);
    const executed = (await getCalls(raw)) - 1; // the successful one above
    assert.ok(late >= 500, `sent ${late} while the breaker was open`);
    // the stale lookups Redis had to run after the hang: those sent before the breaker opened and a probe a
    // second, none of those made while it was open
    assert.ok(executed <= early + 5, `Redis ran ${executed} GETs; ${early} were sent before the breaker opened, ${late} after`);
  });

  /**
   * `calls` store lookups, then the event loop busy for `ms` (a GC pause, an inline bundle activation): what each
   * lookup answered. Sent from a setImmediate callback, the replies wait for the next loop iteration, whose
   * timers come first.
   */
  const stall = (calls: number, ms: number): Promise<string[]> => new Promise((resolve) => setImmediate(() => {
    const batch = Array.from({ length: calls }, (_, i) => s.get(`k${i}`).then(() => 'ok', () => 'timed out'));
    const until = Date.now() + ms;
    while (Date.now() < until) { /* the event loop is busy */ }
    void Promise.all(batch).then(resolve);
  }));

  it('an event-loop stall longer than the command deadline does not open the breaker', async () => {
    const answers = await stall(50, 100); // a GC pause: every command in flight outlives its 25 ms deadline
    assert.deepEqual([...new Set(answers)], ['timed out']);
    assert.equal(s.breaker?.state, 'closed');
    assert.equal(await s.get('x'), null, 'the next call is sent and answered');
  });

  it('a stall longer than a second (an inline bundle activation, a long GC) does not open the breaker either', async () => {
    // past STORE_HUNG_MS: the timeouts fire late, after the stall, not while Redis was silent
    const answers = await stall(20, 1300);
    assert.deepEqual([...new Set(answers)], ['timed out']);
    assert.equal(s.breaker?.state, 'closed');
    assert.equal(await s.get('x'), null, 'the next call is sent and answered');
  });

  it('two stalls under a second apart, Redis answering in between, do not add up to a silent Redis', async () => {
    // two GC pauses 0.9 s apart: each times out the store calls in flight, whose replies are read late (unseen
    // by the caller); in between Redis answers the commands it is sent on the same connection (rate-limit
    // counters, not store calls): it was never silent
    assert.deepEqual([...new Set(await stall(5, 100))], ['timed out']);
    const until = Date.now() + 850;
    while (Date.now() < until) { await s.redis.ping(); await new Promise((r) => setTimeout(r, 20)); }
    assert.deepEqual([...new Set(await stall(5, 100))], ['timed out']);
    assert.equal(s.breaker?.state, 'closed');
    assert.equal(await s.get('x'), null, 'the next call is sent and answered');
  });

  it('two stalls far apart, with nothing asked in between, do not add up to a silent Redis', async () => {
    assert.deepEqual([...new Set(await stall(5, 100))], ['timed out']);
    await new Promise((r) => setTimeout(r, 1200)); // idle: the late replies to the first stall arrive unseen
    assert.deepEqual([...new Set(await stall(5, 100))], ['timed out']);
    assert.equal(s.breaker?.state, 'closed');
  });
});
