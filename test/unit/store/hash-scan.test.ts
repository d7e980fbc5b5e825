import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { MAX_HSCAN_BATCHES, scanHash } from '../../../src/store/hash-scan.js';

// A misbehaving server (or proxy) cannot be made of a real redis-server: these fakes stand for one
// through the single method scanHash calls.
function server(reply: (cursor: string, call: number) => [string, string[]]): { redis: Redis; calls: () => number } {
  let n = 0;
  const redis = { hscan: async (_key: string, cursor: string) => reply(cursor, ++n) } as unknown as Redis;
  return { redis, calls: () => n };
}

describe('scanHash (HSCAN batches)', () => {
  it('a server whose cursor never returns to 0 fails the read after a bounded number of batches', async () => {
    // cycles between two cursors with a new field each time; stops on its own only far past the bound
    const s = server((cursor, call) => [call > MAX_HSCAN_BATCHES + 10 ? '0' : cursor === '5' ? '9' : '5', [`f${call}`, 'v']]);
    await assert.rejects(scanHash(s.redis, 'h'), /HSCAN of h did not finish after 100000 batches/);
    assert.equal(s.calls(), MAX_HSCAN_BATCHES);
  });

  it('reads every field of a well-behaved multi-batch scan', async () => {
    const s = server((cursor) => (cursor === '0' ? ['3', ['a', '1', 'b', '2']] : ['0', ['c', '3', 'a', '1']]));
    assert.deepEqual(await scanHash(s.redis, 'h'), { a: '1', b: '2', c: '3' });
  });
});
