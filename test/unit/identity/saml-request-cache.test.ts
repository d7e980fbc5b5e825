import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { StoreRequestCache } from '../../../src/identity/saml-request-cache.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { KvStore } from '../../../src/store/types.js';
import { fakeClock } from './helpers.js';

const PREFIX = 'identity:saml:request:';
/** The shape node-saml gives AuthnRequest IDs: `_` + 20 random bytes in hex. */
const newId = () => `_${randomBytes(20).toString('hex')}`;

/** The store, with a record of every key the cache touched. */
function spied(store: KvStore): { store: KvStore; keys: string[] } {
  const keys: string[] = [];
  const proxy = new Proxy(store, {
    get(t, p, r) {
      const v = Reflect.get(t, p, r);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => { if (typeof args[0] === 'string') keys.push(args[0]); return v.apply(t, args); };
    },
  });
  return { store: proxy, keys };
}

describe('StoreRequestCache (AuthnRequest IDs in the shared store)', () => {
  it('saves, gets and removes an ID under its own key prefix; a removed ID is gone', async () => {
    const store = new MemoryStore();
    const cache = new StoreRequestCache(store, 600_000);
    const id = newId();
    const saved = await cache.saveAsync(id, '2030-01-01T00:00:00Z');
    assert.equal(saved?.value, '2030-01-01T00:00:00Z');
    assert.equal(typeof saved?.createdAt, 'number');
    assert.equal(await store.get(PREFIX + id), '2030-01-01T00:00:00Z', 'kept where every replica finds it');
    assert.equal(await cache.getAsync(id), '2030-01-01T00:00:00Z');
    assert.equal(await cache.getAsync(newId()), null, 'an ID never saved');
    assert.equal(await cache.removeAsync(id), '2030-01-01T00:00:00Z');
    assert.equal(await cache.getAsync(id), null);
    assert.equal(await cache.removeAsync(id), null, 'a response is accepted once: the second removal finds nothing');
    assert.equal(await store.get(PREFIX + id), null);
    await store.close();
  });

  it('does not overwrite an ID that is already pending', async () => {
    const store = new MemoryStore();
    const cache = new StoreRequestCache(store, 600_000);
    const id = newId();
    assert.notEqual(await cache.saveAsync(id, 'first'), null);
    assert.equal(await cache.saveAsync(id, 'second'), null);
    assert.equal(await cache.getAsync(id), 'first');
    await store.close();
  });

  it('never stores or looks up an ID that is not of our shape', async () => {
    const mem = new MemoryStore();
    const { store, keys } = spied(mem);
    const cache = new StoreRequestCache(store, 600_000);
    const hex40 = randomBytes(20).toString('hex');
    const foreign = [
      '', 'x', hex40, `id-${hex40}`, `_${hex40.toUpperCase()}`, `_${'a'.repeat(19)}`, `_${'a'.repeat(65)}`, `_${hex40}\n`,
      `_${hex40}:x`, `_${hex40.slice(0, 39)}g`, `../_${hex40}`, `_${hex40} `, `*`, `_${hex40}*`,
    ];
    // what an attacker hopes to find: a key planted under the prefix
    for (const id of foreign) await mem.set(PREFIX + id, 'planted', 600_000);
    for (const id of foreign) {
      assert.equal(await cache.saveAsync(id, 'v'), null, JSON.stringify(id));
      assert.equal(await cache.getAsync(id), null, JSON.stringify(id));
      assert.equal(await cache.removeAsync(id), null, JSON.stringify(id));
    }
    assert.equal(await cache.getAsync(42 as unknown as string), null);
    assert.equal(await cache.removeAsync(null), null);
    assert.deepEqual(keys, [], 'the store was not asked about any of them');
    for (const id of foreign) assert.equal(await mem.get(PREFIX + id), 'planted', 'nor changed');
    const ok = newId();
    await cache.saveAsync(ok, 'v');
    assert.deepEqual(keys, [PREFIX + ok], 'an ID of our shape does reach the store');
    await mem.close();
  });

  it('forgets an ID after its TTL (how long a user may take at the IdP)', async () => {
    const clock = fakeClock();
    const store = new MemoryStore(clock.now);
    const cache = new StoreRequestCache(store, 600_000);
    const id = newId();
    await cache.saveAsync(id, 'v');
    assert.equal(await store.pttl(PREFIX + id), 600_000);
    clock.advance(599_999);
    assert.equal(await cache.getAsync(id), 'v');
    clock.advance(1);
    assert.equal(await cache.getAsync(id), null);
    assert.equal(await cache.removeAsync(id), null);
    assert.notEqual(await cache.saveAsync(id, 'again'), null, 'an expired ID no longer blocks the key');
    await store.close();
  });
});
