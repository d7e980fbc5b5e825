import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/store/redis.js';
import { StoreUnavailableError } from '../../src/store/types.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startRedis, startRedisCluster, type RedisCluster, type RedisNode } from './harness/redis.js';
import { waitFor } from './harness/proc.js';

const logger = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'pc-store-'));

describe('RedisStore against a real redis-server', () => {
  let redis: RedisNode;
  let a: RedisStore;
  let b: RedisStore;
  before(async () => {
    redis = await startRedis(dir);
    const opts = { url: redis.url, commandTimeoutMs: 50, connectTimeoutMs: 500, keyPrefix: 't:' };
    a = new RedisStore(opts, logger);
    b = new RedisStore(opts, logger);
    await waitFor('store ready', async () => a.ready() && b.ready());
  });
  after(async () => { await a?.close(); await b?.close(); await redis?.stop(); });

  it('setNX is true once across replicas; TTLs apply', async () => {
    assert.equal(await a.setNX('nonce:1', '1', 2000), true);
    assert.equal(await b.setNX('nonce:1', '1', 2000), false);
    const ttl = await b.pttl('nonce:1');
    assert.ok(ttl > 0 && ttl <= 2000, String(ttl));
  });

  it('publish reaches every replica\'s subscribers', async () => {
    const got: string[] = [];
    const unsub = await b.subscribe('revocations', (m) => got.push(m));
    await a.publish('revocations', 'jti-1');
    await waitFor('message', async () => got.length === 1, 2000);
    assert.deepEqual(got, ['jti-1']);
    await unsub();
  });

  it('hgetall reads a hash whose whole reply takes longer than command_timeout_ms (revocations, API keys, policy data)', { timeout: 120_000 }, async () => {
    // one HGETALL of 200k fields is a ~30 MB reply: far beyond the 25 ms default (50 ms here) on any machine, so
    // a big revocation list or API-key hash never loaded and every token or key was refused as unavailable
    const raw = new Redis(redis.url);
    try {
      const n = 200_000;
      for (let i = 0; i < n; i += 10_000) {
        const p = raw.pipeline();
        for (let j = i; j < i + 10_000; j++) p.hset('t:big', `jti:issuer:${j}:${'x'.repeat(40)}`, `{"until":${4e12 + j},"before":0,"note":"${'y'.repeat(60)}"}`);
        await p.exec();
      }
      const all = await a.hgetall('big');
      assert.equal(Object.keys(all).length, n);
      assert.equal(all[`jti:issuer:123456:${'x'.repeat(40)}`], `{"until":${4e12 + 123456},"before":0,"note":"${'y'.repeat(60)}"}`);
      assert.deepEqual(await a.hgetall('absent'), {});
    } finally {
      await raw.del('t:big');
      raw.disconnect();
    }
  });

  it('subscribe is not held to the Check path\'s command deadline: a busy event loop at start does not fail it', async () => {
    // a new store's subscriber connection is made on the first subscribe; SUBSCRIBE waits for it to connect.
    // With the 25 ms command deadline a start that keeps the event loop busy (config, Wasm compile) failed it
    // ("subscribe failed; retrying" in every demo start). Blocking the loop for 100 ms stands for that start.
    const s = new RedisStore({ url: redis.url, commandTimeoutMs: 25, connectTimeoutMs: 1000, keyPrefix: 't:' }, logger);
    try {
      await waitFor('store ready', async () => s.ready());
      const got: string[] = [];
      const subscribing = s.subscribe('busy-start', (m) => got.push(m));
      const until = Date.now() + 100;
      while (Date.now() < until) { /* the event loop is busy */ }
      const unsub = await subscribing;
      await a.publish('busy-start', 'hello');
      await waitFor('message', async () => got.length === 1, 2000);
      await unsub();
    } finally { await s.close(); }
  });

  it('a dead Redis fails fast with StoreUnavailableError, and the store reconnects', async () => {
    await redis.stop('SIGKILL');
    const t0 = Date.now();
    await assert.rejects(a.get('x'), StoreUnavailableError);
    assert.ok(Date.now() - t0 < 1000, 'no waiting on a dead Redis');
    await redis.start();
    await waitFor('reconnect', async () => a.ready(), 10000);
    await a.set('after', 'ok');
    assert.equal(await b.get('after'), 'ok');
  });
});

describe('RedisStore against a real 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  let s: RedisStore;
  before(async () => {
    cluster = await startRedisCluster(join(dir, 'c'));
    s = new RedisStore({ cluster: cluster.seeds, commandTimeoutMs: 100, connectTimeoutMs: 1000, keyPrefix: 't:' }, logger);
    await waitFor('cluster store ready', async () => s.ready(), 10000);
  });
  after(async () => { await s?.close(); await cluster?.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('reads and writes keys spread over the masters', async () => {
    for (let i = 0; i < 50; i++) await s.set(`k${i}`, String(i), 5000);
    for (let i = 0; i < 50; i++) assert.equal(await s.get(`k${i}`), String(i));
    assert.equal(await s.setNX('k1', 'x', 1000), false);
  });
});
