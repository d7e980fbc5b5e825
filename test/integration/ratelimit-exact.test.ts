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

describe('counting stays exact while a Redis Cluster moves a slot (real cluster, two replicas)', () => {
  let cluster: RedisCluster;
  const stores: RedisStore[] = [];
  let replicas: GuardedStore[] = [];
  const admin = (port: number): Redis => new Redis({ port, host: '127.0.0.1' });
  before(async () => {
    cluster = await startRedisCluster(join(dir, 'cf'), 3, 1);
    for (let i = 0; i < 2; i++) stores.push(new RedisStore({ cluster: cluster.seeds, commandTimeoutMs: 2000, connectTimeoutMs: 1000, keyPrefix: 't:' }, logger));
    await waitFor('stores ready', async () => stores.every((s) => s.ready()));
    replicas = stores.map((s) => new GuardedStore(new RedisCounterStore(s.redis!, 'rl:'), { deadlineMs: 2000, breaker: { failures: 1000, openMs: 100 } }, () => s.redis!.status));
  });
  after(async () => { for (const s of stores) await s.close(); await cluster?.stop(); });

  /** 16 workers deciding on one key (fixed + sliding counters) until `stop`; counts of ok / over / failed. */
  function load(tag: string, limit: number): { res: Record<string, number>; stop(): Promise<Record<string, number>> } {
    let stopped = false;
    const res: Record<string, number> = {};
    const op = (): CounterOp[] => [
      { kind: FIXED, key: 'k', key2: 'k', tag, a: limit, hits: 1, p: 0, ttlMs: 3_600_000, shadow: false },
      { kind: SLIDING, key: 's1', key2: 's0', tag, a: limit, hits: 1, p: 0.5, ttlMs: 3_600_000, shadow: false },
    ];
    const workers = Array.from({ length: 16 }, async (_, i) => {
      while (!stopped) {
        const r = await replicas[i % 2]!.decide(op(), 'all', Date.now()).then((x) => (x[0]!.ok && x[1]!.ok ? 'ok' : 'over'), () => 'failed');
        res[r] = (res[r] ?? 0) + 1;
      }
    });
    return { res, async stop() { stopped = true; await Promise.all(workers); return res; } };
  }

  async function slotOwner(slot: number): Promise<{ port: number; id: string }> {
    const c = admin(cluster.nodes[0]!.port);
    try {
      const rows = (await c.cluster('SLOTS')) as unknown as Array<[number, number, [string, number, string]]>;
      const row = rows.find((r) => slot >= r[0] && slot <= r[1])!;
      return { port: row[2][1], id: row[2][2] };
    } finally { c.disconnect(); }
  }

  it('CLUSTER FAILOVER of the key\'s master mid-count: nothing counted twice or lost, and decisions go on', async () => {
    const tag = 'failover';
    const c = admin(cluster.nodes[0]!.port);
    const slot = Number(await c.cluster('KEYSLOT', `rl:{${tag}}k`));
    c.disconnect();
    const owner = await slotOwner(slot);
    let replicaPort = 0;
    for (const n of cluster.nodes) {
      const r = admin(n.port);
      try {
        const role = (await r.call('ROLE')) as [string, string, number];
        if (role[0] === 'slave' && Number(role[2]) === owner.port) replicaPort = n.port;
      } finally { r.disconnect(); }
    }
    assert.ok(replicaPort > 0, 'the master has a replica');
    const run = load(tag, 1_000_000);
    await new Promise((r) => setTimeout(r, 200));
    const r = admin(replicaPort);
    try { await r.cluster('FAILOVER'); } finally { r.disconnect(); }
    await waitFor('the replica took over', async () => (await slotOwner(slot)).port === replicaPort, 10_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    const res = await run.stop();
    const n = admin(replicaPort);
    try {
      assert.ok((res.ok ?? 0) > 0);
      // the old master holds its clients' writes until the replica has taken over (seconds, with a 2 s node
      // timeout); calls that outlived the deadline were answered by failure mode and then counted by Redis, as
      // the README says of a timed-out call: counted ≥ admitted, and at most admitted + timed out
      const counted = Number(await n.get(`rl:{${tag}}k`));
      assert.ok(counted >= res.ok! && counted <= res.ok! + (res.failed ?? 0), `counted ${counted}, ${JSON.stringify(res)}`);
    } finally { n.disconnect(); }
    const after = await replicas[0]!.decide([{ kind: FIXED, key: 'k', key2: 'k', tag, a: 1_000_000, hits: 1, p: 0, ttlMs: 3_600_000, shadow: false }], 'all', Date.now());
    assert.equal(after[0]!.ok, true);
  });

  it('a slot migrated key by key (MOVED, ASK, TRYAGAIN) mid-count: the limit holds exactly', async () => {
    const tag = 'migrate';
    const limit = 5000;
    const c = admin(cluster.nodes[0]!.port);
    const slot = Number(await c.cluster('KEYSLOT', `rl:{${tag}}k`));
    c.disconnect();
    const from = await slotOwner(slot);
    const masters: Array<{ port: number; id: string }> = [];
    for (const nd of cluster.nodes) {
      const a = admin(nd.port);
      try { if (((await a.call('ROLE')) as string[])[0] === 'master') masters.push({ port: nd.port, id: String(await a.cluster('MYID')) }); } finally { a.disconnect(); }
    }
    const to = masters.find((m) => m.port !== from.port)!;
    const run = load(tag, limit);
    // the migration starts once counting has begun (a fixed wait let a fast machine reach the limit first)
    await waitFor('counting began', async () => (run.res.ok ?? 0) > 0, 10_000, 5);
    const before = run.res.ok ?? 0;
    const src = admin(from.port);
    const dst = admin(to.port);
    try {
      await dst.cluster('SETSLOT', slot, 'IMPORTING', from.id);
      await src.cluster('SETSLOT', slot, 'MIGRATING', to.id);
      for (;;) {
        const keys = (await src.cluster('GETKEYSINSLOT', slot, 1)) as string[];
        if (keys.length === 0) break;
        await src.migrate('127.0.0.1', to.port, '', 0, 5000, 'KEYS', ...keys);
        await new Promise((r) => setTimeout(r, 30));
      }
      for (const m of masters) { const a = admin(m.port); try { await a.cluster('SETSLOT', slot, 'NODE', to.id); } finally { a.disconnect(); } }
      const movedAt = run.res.ok ?? 0;
      await waitFor('the limit reached', async () => (run.res.over ?? 0) > 0, 20_000, 50);
      const res = await run.stop();
      assert.ok(before < limit && movedAt > before, `the slot moved mid-count (${before} admitted as it began, ${movedAt} when done)`);
      assert.equal(res.ok, limit, `exactly the limit admitted (${JSON.stringify(res)})`);
      assert.equal(Number(await dst.get(`rl:{${tag}}k`)), limit);
    } finally { src.disconnect(); dst.disconnect(); }
  });
});
