import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RevocationList, REVOCATIONS_CHANNEL, REVOCATIONS_KEY } from '../../../src/identity/revocation.js';
import type { Verified } from '../../../src/identity/verifier.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { fakeClock, silent } from './helpers.js';

const clock = fakeClock();
const jwt = (o: Partial<Verified> & { sub?: string; iss?: string } = {}): Verified => ({
  identity: { kind: 'jwt', subject: o.sub ?? 'alice', issuer: o.iss ?? 'https://issuer.test', roles: [], claims: {} },
  jti: o.jti, issuedAtMs: o.issuedAtMs, keyHash: o.keyHash,
});

async function settle(): Promise<void> { await sleep(5); }

describe('revocation list', () => {
  it('revokes by jti until the given time', async () => {
    const store = new MemoryStore(clock.now);
    const list = new RevocationList(store, 60_000, silent, clock.now);
    list.start();
    await list.whenSynced();
    await list.revoke({ type: 'jti', jti: 'j1', until: clock.now() + 60_000 });
    assert.equal(list.isRevoked(jwt({ jti: 'j1' })), true);
    assert.equal(list.isRevoked(jwt({ jti: 'j2' })), false);
    clock.advance(60_001);
    assert.equal(list.isRevoked(jwt({ jti: 'j1' })), false, 'the entry lives only until the token would have expired');
    list.stop(); await store.close();
  });

  it('a sync asked for while one is in flight runs again after it (the first may have read too early)', async () => {
    const store = new MemoryStore(clock.now);
    const list = new RevocationList(store, 60_000, silent, clock.now);
    const realHgetall = store.hgetall.bind(store);
    let reads = 0;
    store.hgetall = async (key: string) => {
      reads++;
      const snapshot = await realHgetall(key);
      if (reads === 1) await sleep(30);
      return snapshot;
    };
    const first = list.sync();
    // written by another replica, its message missed (e.g. published before this one subscribed)
    await store.hset(REVOCATIONS_KEY, 'jti:late', JSON.stringify({ until: clock.now() + 60_000 }));
    const second = list.sync();
    await first;
    await second;
    assert.equal(reads, 2);
    assert.equal(list.isRevoked(jwt({ jti: 'late' })), true);
    await store.close();
  });

  it('revokes every token of a subject issued before a time (per issuer or for all issuers)', async () => {
    const store = new MemoryStore(clock.now);
    const list = new RevocationList(store, 60_000, silent, clock.now);
    list.start();
    const t = clock.now();
    await list.revoke({ type: 'sub', subject: 'alice', issuer: 'https://issuer.test', before: t, until: t + 3_600_000 });
    assert.equal(list.isRevoked(jwt({ issuedAtMs: t - 1000 })), true);
    assert.equal(list.isRevoked(jwt({ issuedAtMs: t + 1000 })), false, 'tokens issued after the cut-off still work');
    assert.equal(list.isRevoked(jwt({})), true, 'no iat: cannot prove it is newer');
    assert.equal(list.isRevoked(jwt({ issuedAtMs: t - 1000, iss: 'https://other.test' })), false);
    await list.revoke({ type: 'sub', subject: 'bob', before: t, until: t + 3_600_000 });
    assert.equal(list.isRevoked(jwt({ sub: 'bob', issuedAtMs: t - 1, iss: 'https://any.test' })), true);
    list.stop(); await store.close();
  });

  it('revokes an API key by hash', async () => {
    const store = new MemoryStore(clock.now);
    const list = new RevocationList(store, 60_000, silent, clock.now);
    list.start();
    await list.revoke({ type: 'key', keyHash: 'a'.repeat(64), until: null });
    assert.equal(list.isRevoked({ identity: { kind: 'api_key', subject: 'x', roles: [], claims: {} }, keyHash: 'a'.repeat(64) }), true);
    assert.equal(list.isRevoked({ identity: { kind: 'api_key', subject: 'x', roles: [], claims: {} }, keyHash: 'b'.repeat(64) }), false);
    list.stop(); await store.close();
  });

  it('another replica applies a revocation through pub/sub, and an undo too', async () => {
    const store = new MemoryStore(clock.now);
    const a = new RevocationList(store, 60_000, silent, clock.now);
    const b = new RevocationList(store, 60_000, silent, clock.now);
    a.start(); b.start();
    await a.whenSynced(); await b.whenSynced();
    await a.revoke({ type: 'jti', jti: 'shared', until: clock.now() + 60_000 });
    await settle();
    assert.equal(b.isRevoked(jwt({ jti: 'shared' })), true);
    await a.unrevoke({ type: 'jti', jti: 'shared', until: 0 });
    await settle();
    assert.equal(b.isRevoked(jwt({ jti: 'shared' })), false);
    a.stop(); b.stop(); await store.close();
  });

  it('a replica that starts later loads existing revocations, and prunes expired entries', async () => {
    const store = new MemoryStore(clock.now);
    const a = new RevocationList(store, 60_000, silent, clock.now);
    a.start();
    await a.revoke({ type: 'jti', jti: 'old', until: clock.now() + 1000 });
    await a.revoke({ type: 'jti', jti: 'live', until: clock.now() + 600_000 });
    clock.advance(2000);
    const b = new RevocationList(store, 60_000, silent, clock.now);
    assert.equal(b.ready(), false);
    b.start();
    assert.equal(await b.whenSynced(), true);
    assert.equal(b.isRevoked(jwt({ jti: 'live' })), true);
    assert.deepEqual(Object.keys(await store.hgetall(REVOCATIONS_KEY)), ['jti:live']);
    a.stop(); b.stop(); await store.close();
  });

  it('repairs a missed message on the next sync', async () => {
    const store = new MemoryStore(clock.now);
    const b = new RevocationList(store, 60_000, silent, clock.now);
    b.start();
    await b.whenSynced();
    await store.hset(REVOCATIONS_KEY, 'jti:missed', JSON.stringify({ until: clock.now() + 60_000 })); // written, never published
    assert.equal(b.isRevoked(jwt({ jti: 'missed' })), false);
    await b.sync();
    assert.equal(b.isRevoked(jwt({ jti: 'missed' })), true);
    b.stop(); await store.close();
  });

  it('ignores malformed messages and entries', async () => {
    const store = new MemoryStore(clock.now);
    const b = new RevocationList(store, 60_000, silent, clock.now);
    b.start();
    await b.whenSynced();
    await store.publish(REVOCATIONS_CHANNEL, '{not json');
    await store.publish(REVOCATIONS_CHANNEL, JSON.stringify({ op: 'add', field: 'jti:x', value: '{"until":"soon"}' }));
    await store.hset(REVOCATIONS_KEY, 'sub:garbage', 'nope');
    await settle();
    assert.equal(await b.sync(), true);
    assert.equal(b.list().length, 0);
    b.stop(); await store.close();
  });

  it('is not ready while the store cannot be read', async () => {
    const store = new MemoryStore(clock.now);
    store.hgetall = async () => { throw new Error('down'); };
    const b = new RevocationList(store, 60_000, silent, clock.now);
    b.start();
    assert.equal(await b.whenSynced(), false);
    assert.equal(b.ready(), false);
    b.stop(); await store.close();
  });
});
