import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { GuardedStore } from '../../src/ratelimit/store/guarded.js';
import { RedisCounterStore } from '../../src/ratelimit/store/redis.js';
import { FIXED, GCRA, SLIDING, type CounterOp } from '../../src/ratelimit/store/types.js';
import { RedisStore } from '../../src/store/redis.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startRedis, startRedisCluster, type RedisCluster, type RedisNode } from './harness/redis.js';
import { waitFor } from './harness/proc.js';

const logger = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'pc-exact-'));
const N = 200;
const L = 37;

function ops(kind: 'fixed' | 'sliding' | 'gcra', tag: string): CounterOp[] {
  if (kind === 'fixed') return [{ kind: FIXED, key: 'w1', key2: 'w1', tag, a: L, hits: 1, p: 0, ttlMs: 3_600_000, shadow: false }];
  if (kind === 'sliding') return [{ kind: SLIDING, key: 'w1', key2: 'w0', tag, a: L, hits: 1, p: 0.5, ttlMs: 3_600_000, shadow: false }];
  // GCRA: one per hour, burst L (τ = burst × T: L at once)
  return [{ kind: GCRA, key: 'b', key2: 'b', tag, a: 3_600_000_000, hits: 1, p: L * 3_600_000_000, ttlMs: 3_600_000, shadow: false }];
}

async function evalCalls(ports: number[]): Promise<number> {
  let sum = 0;
  for (const port of ports) {
    const c = new Redis({ port, host: '127.0.0.1' });
    try {
      const info = await c.info('commandstats');
      for (const m of info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) sum += Number(m[1]);
    } finally { c.disconnect(); }
  }
  return sum;
}

async function resetStats(ports: number[]): Promise<void> {
  for (const port of ports) { const c = new Redis({ port, host: '127.0.0.1' }); try { await c.config('RESETSTAT'); } finally { c.disconnect(); } }
}

/** Two replicas (two connections, as two Portcullis processes) on one key: N concurrent decisions, limit L. */
async function exactly(replicas: GuardedStore[], ports: number[], label: string): Promise<void> {
  for (const kind of ['fixed', 'sliding', 'gcra'] as const) {
    const tag = `${label}-${kind}`;
    await replicas[0]!.decide(ops(kind, `${tag}-warm`), 'all', Date.now()); // script loaded on that slot's node
    await resetStats(ports);
    const now = Date.now();
    const answers = await Promise.all(Array.from({ length: N }, (_, i) => replicas[i % 2]!.decide(ops(kind, tag), 'all', now)));
    assert.equal(answers.filter((r) => r[0]!.ok).length, L, `${label} ${kind}: exactly the limit admitted`);
    assert.equal(await evalCalls(ports), N, `${label} ${kind}: one script call per decision`);
  }
}

const guard = (s: RedisStore): GuardedStore => new GuardedStore(new RedisCounterStore(s.redis!, 'rl:'), { deadlineMs: 5000, breaker: { failures: 5, openMs: 1000 } }, () => s.redis!.status);

describe('rate-limit counting shared by two replicas is exact, one Redis round trip per decision', () => {
  describe('single Redis', () => {
    let redis: RedisNode;
    const stores: RedisStore[] = [];
    before(async () => {
      redis = await startRedis(dir);
      for (let i = 0; i < 2; i++) stores.push(new RedisStore({ url: redis.url, commandTimeoutMs: 5000, connectTimeoutMs: 1000, keyPrefix: 't:' }, logger));
      await waitFor('stores ready', async () => stores.every((s) => s.ready()));
    });
    after(async () => { for (const s of stores) await s.close(); await redis?.stop(); });
    it(`${N} concurrent decisions over two replicas, limit ${L}: fixed, sliding, GCRA`, async () => {
      await exactly(stores.map(guard), [redis.port], 'single');
    });
  });

  describe('Redis Cluster (3 masters)', () => {
    let cluster: RedisCluster;
    const stores: RedisStore[] = [];
    before(async () => {
      cluster = await startRedisCluster(join(dir, 'c'));
      for (let i = 0; i < 2; i++) stores.push(new RedisStore({ cluster: cluster.seeds, commandTimeoutMs: 5000, connectTimeoutMs: 1000, keyPrefix: 't:' }, logger));
      await waitFor('stores ready', async () => stores.every((s) => s.ready()));
    });
    after(async () => { for (const s of stores) await s.close(); await cluster?.stop(); });
    it(`${N} concurrent decisions over two replicas, limit ${L}: fixed, sliding, GCRA`, async () => {
      await exactly(stores.map(guard), cluster.nodes.map((n) => n.port), 'cluster');
    });
  });
});
