import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../../src/store/memory.js';

describe('MemoryStore', () => {
  it('expires keys by the injected clock; setNX is once per TTL', async () => {
    let now = 1000;
    const s = new MemoryStore(() => now);
    assert.equal(await s.setNX('n', '1', 500), true);
    assert.equal(await s.setNX('n', '1', 500), false);
    assert.equal(await s.pttl('n'), 500);
    now += 500;
    assert.equal(await s.get('n'), null);
    assert.equal(await s.setNX('n', '1', 500), true);
    await s.set('p', 'v');
    assert.equal(await s.pttl('p'), -1);
    assert.equal(await s.pttl('missing'), -2);
    await s.close();
  });

  it('hashes and pub/sub', async () => {
    const s = new MemoryStore();
    await s.hset('h', 'a', '1');
    await s.hset('h', 'b', '2');
    assert.deepEqual(await s.hgetall('h'), { a: '1', b: '2' });
    const got: string[] = [];
    const unsub = await s.subscribe('c', (m) => got.push(m));
    await s.publish('c', 'hello');
    await new Promise((r) => setImmediate(r));
    await unsub();
    await s.publish('c', 'after');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, ['hello']);
    await s.close();
  });
});
