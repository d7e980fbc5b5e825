import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreUnavailableError } from '../../../src/store/types.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { BanList, banKey } from '../../../src/threat/bans.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { silent } from '../helpers.js';

async function evictionsMetric(): Promise<number> {
  const m = await registry.getSingleMetric('portcullis_store_memory_evictions_total')!.get();
  return m.values.reduce((a, v) => a + v.value, 0);
}

/**
 * 100k distinct IPv6 /64s: what an attacker with a /44 can rotate through (bans key an IPv6 client by its /64,
 * so addresses of one /64 are one ban).
 */
const ip = (i: number) => `2001:db8:${(0xb000 + (i >>> 16)).toString(16)}:${(i & 0xffff).toString(16)}::1`;

describe('MemoryStore is bounded by max_keys', () => {
  it('100k bans from distinct attacker addresses (long TTL, fake clock) keep at most max_keys keys', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(() => now, 3_600_000, 5_000);
    const bans = new BanList(store, 2000, silent, () => now, 1000);
    const before = await evictionsMetric();
    for (let i = 0; i < 100_000; i++) {
      await bans.ban(ip(i), 3_600_000, 'sqli in query.q');
      if (i % 1000 === 0) now += 1;   // a second of time across the run: nothing expires on its own
    }
    assert.ok(store.size <= 5_000, `store holds ${store.size} keys`);
    assert.equal(store.evictions, 95_000);
    assert.equal(await evictionsMetric() - before, 95_000);
    // the newest bans are the ones kept
    assert.ok((await bans.lookup(ip(99_999))) > now);
    assert.notEqual(await store.get(`threat:ban:${banKey(ip(99_999))}`), null);
    assert.equal(await store.get(`threat:ban:${banKey(ip(0))}`), null);
    await store.close();
  });

  it('keys without a TTL (the revocation list) and claims (nonces, assertion IDs) are never dropped: a ban flood cannot reopen a replay', async () => {
    let now = 0;
    const store = new MemoryStore(() => now, 3_600_000, 100);
    await store.hset('identity:revocations', 'jti:a', '{"until":null}');
    assert.equal(await store.setNX('identity:saml:assertion:captured', '1', 600_000), true);
    await store.set('short', '1', 10);
    now = 20;                         // `short` has expired but not been swept
    for (let i = 0; i < 100_000; i++) await store.set(`threat:ban:${i}`, '1', 600_000);
    assert.ok(store.size <= 100);
    assert.deepEqual(await store.hgetall('identity:revocations'), { 'jti:a': '{"until":null}' });
    assert.equal(await store.setNX('identity:saml:assertion:captured', '1', 600_000), false, 'the claimed assertion is still refused (no replay)');
    assert.equal(store.evictions, 100_000 - 98, 'the expired key made room without counting as an eviction');
    await store.close();
  });

  it('a store full of live claims refuses a new claim (StoreUnavailableError: the caller fails closed) until some expire', async () => {
    let now = 0;
    const store = new MemoryStore(() => now, 3_600_000, 100);
    for (let i = 0; i < 100; i++) assert.equal(await store.setNX(`identity:nonce:${i}`, '1', 60_000), true);
    await assert.rejects(store.setNX('identity:nonce:new', '1', 60_000), StoreUnavailableError);
    await assert.rejects(store.set('threat:ban:x', '1', 60_000), StoreUnavailableError);
    assert.equal(await store.setNX('identity:nonce:0', '1', 60_000), false, 'old claims still refuse their replay');
    now = 60_001;                     // every claim has expired
    assert.equal(await store.setNX('identity:nonce:new', '1', 60_000), true);
    await store.close();
  });
});
