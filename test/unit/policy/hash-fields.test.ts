// Packing a Redis hash's fields for the activation worker (data/hash-fields.ts): what the worker
// unpacks is the object HGETALL gave, field for field and in the same order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packFields, unpackFields } from '../../../src/policy/data/hash-fields.js';

describe('hash fields packed for the worker', () => {
  it('round-trips names and values (empty, non-ASCII, numeric-looking, __proto__) in order, across slices', async () => {
    const fields: Record<string, string> = {};
    const put = (k: string, v: string) => Object.defineProperty(fields, k, { value: v, enumerable: true, writable: true, configurable: true });
    put('reader', '["/a"]');
    put('', '');
    put('10', '"ten"');
    put('2', '"two"');
    put('ünïcødé ☃', '{"名前": "😀"}');
    put('__proto__', '{"polluted": true}');
    put('constructor', '1');
    for (let i = 0; i < 50; i++) put(`u${i}`, JSON.stringify({ i }));
    for (const slice of [1, 2, 7, 8192]) {
      const packed = await packFields(fields, slice);
      assert.ok(packed.buffer instanceof SharedArrayBuffer, 'shared: posted to the worker without a copy');
      const out = unpackFields(packed);
      assert.deepEqual(Object.keys(out), Object.keys(fields), `slice ${slice}: same names in the same order`);
      assert.equal(JSON.stringify(out), JSON.stringify(fields), `slice ${slice}`);
      assert.equal(Object.getPrototypeOf(out), Object.prototype, '__proto__ is an own field, not the prototype');
      assert.equal(({} as any).polluted, undefined);
    }
    assert.deepEqual(unpackFields(await packFields({})), {});
  });
});
