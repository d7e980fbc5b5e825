import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { GuardedStore } from '../../src/ratelimit/store/guarded.js';
import { RedisCounterStore } from '../../src/ratelimit/store/redis.js';
import { FIXED, type CounterOp } from '../../src/ratelimit/store/types.js';
import { RedisStore } from '../../src/store/redis.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startRedis, type RedisNode } from './harness/redis.js';
import { waitFor } from './harness/proc.js';

const logger = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'pc-failover-'));

/** The primary's address as clients know it (a DNS name, a VIP): new connections go to whatever `target` is now. */
async function endpoint(target: () => number): Promise<{ port: number; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const up = createConnection({ host: '127.0.0.1', port: target() });
    sockets.add(client); sockets.add(up);
    client.pipe(up); up.pipe(client);
    const end = (): void => { client.destroy(); up.destroy(); sockets.delete(client); sockets.delete(up); };
    client.on('error', end); up.on('error', end); client.on('close', end); up.on('close', end);
  });
  server.on('close', () => { for (const s of sockets) s.destroy(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

const op: CounterOp = { kind: FIXED, key: 'k', key2: 'k', tag: 'd', a: 1000, hits: 1, p: 0, ttlMs: 60_000, shadow: false };

/**
 * A managed failover (Sentinel, a cloud's "promote replica"): the replica becomes the primary, the old primary
 * becomes its replica and keeps running, and the primary's address now leads to the new one. A connection
 * opened before stays with the old primary, which answers every write with READONLY, until it breaks.
 */
describe('the primary\'s address moves to a promoted replica; the old primary stays up as a replica', () => {
  let a: RedisNode;
  let b: RedisNode;
  let primary: number;
  let ep: { port: number; server: Server };
  let s: RedisStore;
  before(async () => {
    a = await startRedis(dir, 'redis-a');
    b = await startRedis(dir, 'redis-b');
    primary = a.port;
    const rb = new Redis(b.url);
    await rb.replicaof('127.0.0.1', a.port);
    rb.disconnect();
    ep = await endpoint(() => primary);
    s = new RedisStore({ url: `redis://127.0.0.1:${ep.port}`, commandTimeoutMs: 200, connectTimeoutMs: 1000, keyPrefix: 't:' }, logger);
    await waitFor('store ready', async () => s.ready());
  });
  after(async () => { await s?.close(); ep?.server.close(); await a?.stop(); await b?.stop(); });

  it('writes (nonces, bans, rate-limit counters) work again without a restart', async () => {
    const counters = new GuardedStore(new RedisCounterStore(s.redis!, 'rl:'), { deadlineMs: 200, breaker: { failures: 5, openMs: 200 } }, () => s.redis!.status);
    assert.equal(await s.setNX('nonce:before', '1', 60_000), true);
    assert.equal((await counters.decide([op], 'all', Date.now()))[0]!.ok, true);
    // failover: b promoted, a follows b, the address leads to b
    const ra = new Redis(a.url);
    const rb = new Redis(b.url);
    try {
      await rb.replicaof('NO', 'ONE');
      primary = b.port;
      await ra.replicaof('127.0.0.1', b.port);
    } finally { ra.disconnect(); rb.disconnect(); }
    let n = 0;
    await waitFor('nonce claims work again', async () => s.setNX(`nonce:after-${n++}`, '1', 60_000).then(() => true, () => false), 5000, 100);
    await waitFor('rate-limit decisions work again', async () => counters.decide([op], 'all', Date.now()).then(() => true, () => false), 5000, 100);
    await s.set('threat:ban:203.0.113.1', '{"until":1}', 60_000);
  });
});

/**
 * A deployment whose address leads to a replica for good (a read endpoint configured by mistake, or a DNS name
 * still leading to the old primary for its TTL): every write answers READONLY however often it reconnects.
 */
describe('every write answers READONLY, reconnect after reconnect', () => {
  let primary: RedisNode;
  let replica: RedisNode;
  let s: RedisStore;
  let raw: Redis;
  before(async () => {
    primary = await startRedis(dir, 'redis-p');
    replica = await startRedis(dir, 'redis-r');
    raw = new Redis(replica.url);
    await raw.replicaof('127.0.0.1', primary.port);
    await raw.set('t:threat:ban:203.0.113.9', 'x').then(() => assert.fail('the replica took a write'), () => undefined);
    s = new RedisStore({ url: replica.url, commandTimeoutMs: 200, connectTimeoutMs: 1000, keyPrefix: 't:' }, logger);
    await waitFor('store ready', async () => s.ready());
  });
  after(async () => { raw?.disconnect(); await s?.close(); await primary?.stop(); await replica?.stop(); });

  it('does not reconnect at every write: connections stay few and reads keep working', async () => {
    const connections = async (): Promise<number> => Number(/total_connections_received:(\d+)/.exec(await raw.info('stats'))![1]);
    const before = await connections();
    let reads = 0;
    let readsOk = 0;
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      // a Check's writes (a nonce claim, a counter) and reads (a ban lookup), 100 a second
      await s.setNX(`nonce:${reads}`, '1', 60_000).catch(() => undefined);
      reads++;
      readsOk += await s.get('threat:ban:203.0.113.9').then(() => 1, () => 0);
      await new Promise((r) => setTimeout(r, 10));
    }
    const reconnects = (await connections()) - before;
    const seen = `${reconnects} connections in 3 s, ${readsOk} of ${reads} reads answered`;
    assert.ok(reconnects <= 5, seen);
    assert.ok(readsOk >= reads * 0.75, seen);
  });
});
