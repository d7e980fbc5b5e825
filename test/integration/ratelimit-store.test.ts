import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { MemoryCounterStore } from '../../src/ratelimit/store/memory.js';
import { RedisCounterStore } from '../../src/ratelimit/store/redis.js';
import { MAX_HITS_ADDEND } from '../../src/ratelimit/rls/hits-addend.js';
import { COUNTER_MAX, FIXED, GCRA, SLIDING, type CommitMode, type CounterKind, type CounterOp, type RawResult } from '../../src/ratelimit/store/types.js';
import { startRedis, startRedisCluster, type RedisCluster, type RedisNode } from './harness/redis.js';
import { waitFor } from './harness/proc.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-rl-store-'));

/** A deterministic mix of decisions over a few counters of every kind, both commit modes, shadow ops. */
function scenario(seed: number, hitsOf: (r: number) => number = (r) => 1 + Math.floor(r * 3), repeats = false): Array<{ ops: CounterOp[]; mode: CommitMode; now: number }> {
  let s = seed;
  const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const out: Array<{ ops: CounterOp[]; mode: CommitMode; now: number }> = [];
  let now = Date.UTC(2024, 0, 1, 0, 0, 0);
  for (let step = 0; step < 400; step++) {
    now += Math.floor(rnd() * 120);
    const ops: CounterOp[] = [];
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) {
      const kind: CounterKind = ([FIXED, SLIDING, GCRA] as const)[Math.floor(rnd() * 3)]!;
      const id = Math.floor(rnd() * 2);
      const hits = hitsOf(rnd());
      const shadow = rnd() < 0.15;
      if (kind === FIXED) {
        const start = Math.floor(now / 1000) * 1000;
        const key = `f${id}:${start}`;
        ops.push({ kind, key, key2: key, tag: 'd', a: 12, hits, p: 0, ttlMs: start + 1000 - now + 1000, shadow });
      } else if (kind === SLIDING) {
        const start = Math.floor(now / 1000) * 1000;
        ops.push({ kind, key: `s${id}:${start}`, key2: `s${id}:${start - 1000}`, tag: 'd', a: 10, hits, p: (1000 - (now - start)) / 1000, ttlMs: 2000 - (now - start) + 1000, shadow });
      } else {
        ops.push({ kind, key: `g${id}`, key2: `g${id}`, tag: 'd', a: 1000 / 7, hits, p: 5 * (1000 / 7), ttlMs: 0, shadow });
      }
    }
    // one counter once per decision, unless `repeats` (Envoy may send one descriptor twice)
    const seen = new Set<string>();
    out.push({ ops: repeats ? ops : ops.filter((o) => !seen.has(o.key) && seen.add(o.key)), mode: rnd() < 0.5 ? 'all' : 'independent', now });
  }
  return out;
}

function same(a: RawResult[], b: RawResult[], where: string): void {
  assert.equal(a.length, b.length, where);
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i]!.ok, b[i]!.ok, `${where} op ${i} ok`);
    // identical, not close: both stores do the same IEEE arithmetic in the same order
    assert.equal(a[i]!.x, b[i]!.x, `${where} op ${i} x`);
    assert.equal(a[i]!.y, b[i]!.y, `${where} op ${i} y`);
  }
}

/** Per-descriptor hits_addend: checks (0), the usual sizes, and the largest addend the handler passes on. */
const MIXED_HITS = (r: number) => (r < 0.25 ? 0 : r < 0.3 ? MAX_HITS_ADDEND : 1 + Math.floor(r * 3));

async function conformance(client: Redis | Cluster, prefix: string, hitsOf?: (r: number) => number, repeats = false): Promise<void> {
  const redis = new RedisCounterStore(client, prefix);
  const memory = new MemoryCounterStore(10_000, 60_000);
  let admitted = 0;
  for (const [i, d] of scenario(42, hitsOf, repeats).entries()) {
    const m = memory.decide(d.ops, d.mode, d.now);
    const r = await redis.decide(d.ops, d.mode, d.now);
    same(r, m, `decision ${i}`);
    admitted += m.filter((x) => x.ok).length;
  }
  memory.close();
  assert.ok(admitted > 100, 'the scenario exercises admits and refusals');
}

describe('rate-limit Lua script against a real redis-server', () => {
  let node: RedisNode;
  let client: Redis;
  before(async () => {
    node = await startRedis(dir, 'redis-rl');
    client = new Redis(node.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    await waitFor('redis ready', async () => client.status === 'ready');
  });
  after(async () => { client?.disconnect(); await node?.stop(); });

  it('gives exactly the answers of the in-memory store (fixed, sliding, GCRA; both commit modes; shadow)', async () => {
    await conformance(client, `conf:${Date.now()}:`);
  });

  it('same answers with per-descriptor addends: 0 (check only), 1–3 and 2^32', async () => {
    await conformance(client, `mixed:${Date.now()}:`, MIXED_HITS);
  });

  it('same answers when one decision touches a counter twice (each op sees the ops before it)', async () => {
    await conformance(client, `twice:${Date.now()}:`, MIXED_HITS, true);
  });

  it('two ops on one counter in one call: the second sees the first (limit 3, 2 + 2 hits: admitted, refused)', async () => {
    const store = new RedisCounterStore(client, `seq:${Date.now()}:`);
    const now = Date.now();
    const ops: CounterOp[] = [
      { kind: FIXED, key: 'f', key2: 'f', tag: 't', a: 3, hits: 2, p: 0, ttlMs: 60_000, shadow: false },
      { kind: SLIDING, key: 's', key2: 's0', tag: 't', a: 3, hits: 2, p: 0.5, ttlMs: 60_000, shadow: false },
      { kind: GCRA, key: 'g', key2: 'g', tag: 't', a: 20_000_000, hits: 2, p: 60_000_000, ttlMs: 0, shadow: false },
    ];
    const r = await store.decide(ops.flatMap((o) => [o, o]), 'independent', now);
    assert.deepEqual(r.map((x) => x.ok), [true, false, true, false, true, false]);
    assert.deepEqual([r[0]!.x, r[1]!.x], [2, 4], 'fixed window: both counted, in order (envoyproxy/ratelimit INCRBY)');
    assert.equal(r[3]!.x, 2, 'sliding window: only the admitted hits are stored');
  });

  it('a 0-hit op writes no key; a fixed-window count saturates at COUNTER_MAX without a Redis error', async () => {
    const prefix = `sat:${Date.now()}:`;
    const store = new RedisCounterStore(client, prefix);
    const memory = new MemoryCounterStore(100, 60_000);
    const now = Date.now();
    const zero: CounterOp[] = [
      { kind: FIXED, key: 'f0', key2: 'f0', tag: 't', a: 10, hits: 0, p: 0, ttlMs: 60_000, shadow: false },
      { kind: SLIDING, key: 's1', key2: 's0', tag: 't', a: 10, hits: 0, p: 0.5, ttlMs: 60_000, shadow: false },
      { kind: GCRA, key: 'g', key2: 'g', tag: 't', a: 1000, hits: 0, p: 10_000, ttlMs: 0, shadow: false },
    ];
    same(await store.decide(zero, 'independent', now), memory.decide(zero, 'independent', now), 'zero');
    assert.deepEqual(await client.keys(`${prefix}*`), []);
    // 2^62 twice would overflow INCRBY's int64 (and Lua would send it as 4.6e+18): both saturate instead
    const big: CounterOp = { kind: FIXED, key: 'f', key2: 'f', tag: 't', a: 10, hits: 2 ** 62, p: 0, ttlMs: 60_000, shadow: false };
    for (let i = 0; i < 3; i++) {
      const r = await store.decide([big], 'independent', now);
      same(r, memory.decide([big], 'independent', now), `big ${i}`);
      assert.deepEqual(r[0], { ok: false, x: COUNTER_MAX, y: 0 });
    }
    assert.equal(await client.get(`${prefix}{t}f`), String(COUNTER_MAX));
    assert.ok((await client.pttl(`${prefix}{t}f`)) > 0, 'the saturated counter still expires');
    memory.close();
  });

  it('is called by SHA and re-sent after SCRIPT FLUSH (NOSCRIPT fallback)', async () => {
    const store = new RedisCounterStore(client, `nos:${Date.now()}:`);
    const op: CounterOp = { kind: FIXED, key: 'k', key2: 'k', tag: 't', a: 5, hits: 1, p: 0, ttlMs: 5000, shadow: false };
    assert.equal((await store.decide([op], 'all', Date.now()))[0]!.x, 1);
    await client.script('FLUSH');
    assert.equal((await store.decide([op], 'all', Date.now()))[0]!.x, 2);
    const keys = await client.keys('nos:*');
    assert.deepEqual(keys.length, 1);
    const ttl = await client.pttl(keys[0]!);
    assert.ok(ttl > 0 && ttl <= 5000, `fixed-window counters expire (${ttl})`);
  });
});

describe('rate-limit Lua script against a real 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  before(async () => {
    cluster = await startRedisCluster(join(dir, 'cluster'));
    client = new Cluster(cluster.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })), { enableOfflineQueue: true, redisOptions: { maxRetriesPerRequest: 1 } });
    await waitFor('cluster ready', async () => client.status === 'ready', 15000);
  });
  after(async () => { client?.disconnect(); await cluster?.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('same answers as memory: one hash tag per decision, one script call on one slot', async () => {
    await conformance(client, `conf:${Date.now()}:`);
  });

  it('per-counter hash tags: a decision over several slots is split by tag and answered in order', async () => {
    const store = new RedisCounterStore(client, `split:${Date.now()}:`);
    const ops: CounterOp[] = ['a', 'b', 'c', 'd', 'e', 'f'].map((k, i) => ({
      kind: FIXED, key: k, key2: k, tag: `tag-${k}`, a: 10, hits: i + 1, p: 0, ttlMs: 5000, shadow: false,
    }));
    const r = await store.decide(ops, 'independent', Date.now());
    assert.deepEqual(r.map((x) => x.x), [1, 2, 3, 4, 5, 6]);
    const slots = new Set(await Promise.all(ops.map((o) => client.cluster('KEYSLOT', store.redisKey(o)) as Promise<number>)));
    assert.ok(slots.size > 1, 'the counters live on several slots');
  });

  it('braces in a tag cannot split a sliding window\'s two keys across slots', async () => {
    const store = new RedisCounterStore(client, `brace:${Date.now()}:`);
    const op: CounterOp = { kind: SLIDING, key: '}x:s:2000', key2: '}x:s:1000', tag: '}x', a: 5, hits: 1, p: 0.5, ttlMs: 5000, shadow: false };
    assert.equal((await store.decide([op], 'all', Date.now()))[0]!.ok, true);
    assert.equal(await client.cluster('KEYSLOT', store.redisKey(op, 'key')), await client.cluster('KEYSLOT', store.redisKey(op, 'key2')));
  });
});
