import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BanList } from '../../../src/threat/bans.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { KvStore } from '../../../src/store/types.js';
import { StoreUnavailableError } from '../../../src/store/types.js';
import { silent } from '../helpers.js';

/** Counts store reads, so caching is observable. */
function counting(store: KvStore): KvStore & { gets: number } {
  const s = Object.create(store) as KvStore & { gets: number };
  s.gets = 0;
  s.get = async (k: string) => { s.gets++; return store.get(k); };
  return s;
}

describe('BanList', () => {
  it('a ban placed by one replica is seen by another through the shared store and the channel', async () => {
    const store = new MemoryStore();
    const a = new BanList(store, 2000, silent);
    const b = new BanList(store, 2000, silent);
    await a.start(); await b.start();
    assert.equal(await b.lookup('203.0.113.5'), 0);
    assert.equal(b.cached('203.0.113.5'), 0, 'b cached "not banned"');
    await a.ban('203.0.113.5', 60_000, 'sqli in query.q');
    assert.ok((b.cached('203.0.113.5') ?? 0) > Date.now(), 'b learned of the ban from the channel, despite its cached "no"');
    const c = new BanList(store, 2000, silent); // a replica that was not listening
    assert.ok((await c.lookup('203.0.113.5')) > Date.now());
    await a.unban('203.0.113.5');
    assert.equal(b.cached('203.0.113.5'), 0);
    await a.close(); await b.close(); await store.close();
  });

  it('asks the store at most once per cache period for a clean client', async () => {
    let t = 1_000_000;
    const store = counting(new MemoryStore(() => t));
    const bans = new BanList(store, 2000, silent, () => t);
    assert.equal(bans.cached('192.0.2.1'), undefined);
    await bans.lookup('192.0.2.1');
    assert.equal(bans.cached('192.0.2.1'), 0);
    assert.equal(store.gets, 1);
    t += 1500;
    assert.equal(bans.cached('192.0.2.1'), 0, 'still trusted within cache_ms');
    t += 1000;
    assert.equal(bans.cached('192.0.2.1'), undefined, 'asked again after cache_ms');
    await bans.lookup('192.0.2.1');
    assert.equal(store.gets, 2);
  });

  it('cache_ms 0 never trusts a clean answer (lru-cache would read ttl 0 as "forever")', async () => {
    let t = 1_000_000;
    const store = counting(new MemoryStore(() => t));
    const bans = new BanList(store, 0, silent, () => t);
    await bans.lookup('192.0.2.2');
    assert.equal(bans.cached('192.0.2.2'), undefined, 'the store is asked every time');
    t += 60_000;
    assert.equal(bans.cached('192.0.2.2'), undefined);
    await bans.ban('192.0.2.2', 10_000, 'test');
    assert.ok((bans.cached('192.0.2.2') ?? 0) > t, 'a ban is still cached until it expires');
    await bans.unban('192.0.2.2');
    assert.equal(bans.cached('192.0.2.2'), undefined);
  });

  it('a ban expires with its TTL', async () => {
    let t = 5_000_000;
    const store = new MemoryStore(() => t);
    const bans = new BanList(store, 1000, silent, () => t);
    await bans.ban('192.0.2.9', 10_000, 'test');
    assert.ok((await bans.lookup('192.0.2.9')) > 0);
    t += 10_001;
    const other = new BanList(store, 1000, silent, () => t);
    assert.equal(await other.lookup('192.0.2.9'), 0);
    assert.equal(bans.cached('192.0.2.9'), undefined, 'an expired cached ban is not trusted');
  });

  it('a store that cannot answer makes lookup reject (the stage decides what that means)', async () => {
    const broken = Object.create(new MemoryStore()) as KvStore;
    broken.get = async () => { throw new StoreUnavailableError('redis timeout'); };
    const bans = new BanList(broken, 1000, silent);
    await assert.rejects(bans.lookup('192.0.2.2'), StoreUnavailableError);
  });
});
