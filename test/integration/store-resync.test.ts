import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ApiKeySource, API_KEYS_CHANNEL } from '../../src/identity/api-key-store.js';
import { RevocationList } from '../../src/identity/revocation.js';
import { docValue } from '../../src/policy/data/data-doc.js';
import { RedisHashDataSource } from '../../src/policy/data/redis-data.js';
import type { Verified } from '../../src/identity/verifier.js';
import { RedisStore } from '../../src/store/redis.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { BanList } from '../../src/threat/bans.js';
import { startRedis, startRedisCluster, type RedisCluster, type RedisNode } from './harness/redis.js';
import { waitFor } from './harness/proc.js';

const logger = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'pc-resync-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Pub/sub is fire-and-forget: what is published while a replica's subscriber connection is down never reaches
 * it. Redis runs one client's commands in order, so `CLIENT KILL TYPE pubsub` followed by the change on the
 * other replica makes that message missed, every time. Every sync period here is 60 s: only the reconnect can
 * repair within the few seconds the tests wait.
 */
describe('a replica whose subscriber reconnected re-reads what it missed (real redis-server)', () => {
  let redis: RedisNode;
  let a: RedisStore;
  let b: RedisStore;
  let raw: Redis;
  before(async () => {
    redis = await startRedis(dir);
    const opts = { url: redis.url, commandTimeoutMs: 200, connectTimeoutMs: 1000, keyPrefix: 't:' };
    a = new RedisStore(opts, logger);
    b = new RedisStore(opts, logger);
    raw = new Redis(redis.url);
    await waitFor('stores ready', async () => a.ready() && b.ready());
  });
  after(async () => { raw?.disconnect(); await a?.close(); await b?.close(); await redis?.stop(); });

  const killSubscribers = async (): Promise<void> => { await raw.client('KILL', 'TYPE', 'pubsub'); };

  it('the store tells a subscriber that its subscription was re-established, and messages flow again', async () => {
    const got: string[] = [];
    let gaps = 0;
    const unsub = await b.subscribe('gap', (m) => got.push(m), () => { gaps++; });
    await killSubscribers();
    await waitFor('gap reported', async () => gaps === 1, 5000);
    await a.publish('gap', 'after');
    await waitFor('message after the reconnect', async () => got.includes('after'), 2000);
    await unsub();
  });

  it('a jti revoked while the other replica\'s subscriber was disconnected is refused there after its reconnect', async () => {
    const ra = new RevocationList(a, 60_000, logger);
    const rb = new RevocationList(b, 60_000, logger);
    ra.start(); rb.start();
    try {
      await waitFor('lists loaded', async () => ra.ready() && rb.ready());
      await sleep(200); // both subscribed
      await killSubscribers();
      await ra.revoke({ type: 'jti', jti: 'missed-1', until: Date.now() + 600_000 });
      const v = { jti: 'missed-1', identity: { kind: 'jwt', subject: 'alice' } } as unknown as Verified;
      await waitFor('replica b refuses the revoked jti', async () => rb.isRevoked(v), 5000);
    } finally { ra.stop(); rb.stop(); }
  });

  it('a ban lifted while the other replica\'s subscriber was disconnected is lifted there after its reconnect (not at the ban\'s expiry)', async () => {
    const ba = new BanList(a, 2000, logger);
    const bb = new BanList(b, 2000, logger);
    await ba.start(); await bb.start();
    try {
      await ba.ban('203.0.113.7', 600_000, 'test');
      assert.ok((await bb.lookup('203.0.113.7')) > Date.now(), 'replica b sees the ban');
      await killSubscribers();
      await ba.unban('203.0.113.7');
      // what a Check does: the cached answer, else one store read
      await waitFor('replica b no longer refuses the client', async () => ((bb.cached('203.0.113.7') ?? await bb.lookup('203.0.113.7')) === 0), 5000);
    } finally { await ba.close(); await bb.close(); }
  });

  it('an API key disabled in the store hash while the subscriber was disconnected is refused after the reconnect', async () => {
    const hash = 'a'.repeat(64);
    await a.hset('apikeys', `sha256:${hash}`, JSON.stringify({ owner: 'acme' }));
    const src = new ApiKeySource({ hash: 'apikeys', store: b }, 60_000, 2, logger);
    src.start();
    try {
      await waitFor('keys loaded', async () => src.get(hash) !== undefined);
      await sleep(200);
      await killSubscribers();
      await a.hset('apikeys', `sha256:${hash}`, JSON.stringify({ owner: 'acme', disabled: true }));
      await a.publish(API_KEYS_CHANNEL, 'changed');
      await waitFor('the disabled key is seen', async () => src.get(hash)?.disabled === true, 5000);
    } finally { src.stop(); }
  });

  it('policy data from a Redis hash changed while the subscriber was disconnected is read after the reconnect', async () => {
    await a.hset('perms', 'reader', '["/a"]');
    const data = new RedisHashDataSource('resync-perms', 'perms', ['rt', 'perms'], b, { hash: 'perms', values: 'json', refreshMs: 60_000, channel: 'perms-changed' }, logger).retain();
    const value = (): string => (data.latest === undefined ? '' : JSON.stringify(docValue(data.latest)));
    try {
      data.start();
      await waitFor('data loaded', async () => value() === '{"reader":["/a"]}');
      await sleep(200);
      await killSubscribers();
      await a.hset('perms', 'reader', '["/b"]');
      await a.publish('perms-changed', 'x');
      await waitFor('the change is read', async () => value() === '{"reader":["/b"]}', 5000);
    } finally { await data.release(); }
  });
});

describe('ban updates when Redis was down as the replica started (real redis-server)', () => {
  let redis: RedisNode;
  before(async () => { redis = await startRedis(dir, 'redis-late'); await redis.stop(); });
  after(async () => { await redis?.stop(); });

  it('the replica subscribes once Redis is up: a ban lifted elsewhere is lifted there too', async () => {
    const opts = { url: redis.url, commandTimeoutMs: 200, connectTimeoutMs: 300, keyPrefix: 't:' };
    const b = new RedisStore(opts, logger);
    const bb = new BanList(b, 2000, logger);
    let a: RedisStore | undefined;
    let ba: BanList | undefined;
    try {
      await bb.start(); // Redis is down: the start does not fail, and does not wait for Redis
      await redis.start();
      a = new RedisStore(opts, logger);
      ba = new BanList(a, 2000, logger);
      await ba.start();
      await waitFor('replica b connected', async () => b.ready(), 5000);
      await sleep(1500); // time for a retry to subscribe
      await ba.ban('198.51.100.9', 600_000, 'test');
      assert.ok((await bb.lookup('198.51.100.9')) > Date.now(), 'replica b sees the ban');
      await ba.unban('198.51.100.9');
      await waitFor('replica b no longer refuses the client', async () => ((bb.cached('198.51.100.9') ?? await bb.lookup('198.51.100.9')) === 0), 3000);
    } finally { await ba?.close(); await bb.close(); await a?.close(); await b.close(); }
  });
});

describe('a Cluster subscriber whose node died (real 3-master Redis Cluster)', () => {
  let cluster: RedisCluster;
  before(async () => { cluster = await startRedisCluster(join(dir, 'cluster')); });
  after(async () => { await cluster?.stop(); });

  it('moves to another node and tells the subscriber, which re-reads what it may have missed', async () => {
    const opts = { cluster: cluster.seeds, commandTimeoutMs: 500, connectTimeoutMs: 1000, keyPrefix: 't:' };
    const a = new RedisStore(opts, logger);
    const b = new RedisStore(opts, logger);
    try {
      await waitFor('stores ready', async () => a.ready() && b.ready());
      const got: string[] = [];
      let gaps = 0;
      await b.subscribe('cgap', (m) => got.push(m), () => { gaps++; });
      // the node b's subscriber listens on: each node answers PUBSUB NUMSUB for its own clients only
      let victim: RedisNode | undefined;
      for (const n of cluster.nodes) {
        const c = new Redis(n.url);
        try { if (Number(((await c.pubsub('NUMSUB', 't:cgap')) as [string, number])[1]) > 0) victim = n; } finally { c.disconnect(); }
      }
      assert.ok(victim, 'found the subscriber\'s node');
      await victim.stop();
      await waitFor('the subscriber reports the gap', async () => gaps > 0, 10_000, 50);
      await waitFor('messages flow again', async () => { await a.publish('cgap', 'after').catch(() => undefined); return got.includes('after'); }, 10_000, 100);
    } finally { await a.close(); await b.close(); }
  });
});
