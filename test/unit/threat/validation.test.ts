import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaCompiler } from '../../../src/threat/validation.js';
import { decide, denyBody, runtimeFrom } from '../helpers.js';

const orders = (min: number, path = '/') => `threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: ${path} } }\n    threat: { validation: { schemas: { POST: { $id: "https://example.com/order.json", type: object, properties: { qty: { type: integer, minimum: ${min} } } } } } }\n`;
const post = (body: string) => ({ method: 'POST', path: '/orders', body, headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' } });

describe('request validation schemas per config load', () => {
  it('a schema with $id can be edited by a reload, and the edited schema is the one enforced', async () => {
    const first = await runtimeFrom(orders(1));
    assert.ok((await decide(first, post('{"qty":1}'))).ok_response);
    const second = await runtimeFrom(orders(2));
    assert.equal(denyBody(await decide(second, post('{"qty":1}'))).error, 'ERR_VALIDATION');
    assert.ok((await decide(first, post('{"qty":1}'))).ok_response, 'the old load keeps its own schema');
  });

  it('within one load a schema is compiled once; two different schemas claiming one $id are a config error', () => {
    const c = new SchemaCompiler();
    const s = { $id: 'https://example.com/a.json', type: 'object' };
    assert.equal(c.compile(s, '/a'), c.compile({ ...s }, '/b'));
    assert.throws(() => c.compile({ ...s, required: ['x'] }, '/routes/1/threat/validation/schemas/POST'),
      (e: Error & { path?: string }) => e.path === '/routes/1/threat/validation/schemas/POST' && /already exists/.test(e.message));
    assert.doesNotThrow(() => new SchemaCompiler().compile({ ...s, required: ['x'] }, '/c'), 'a new load has a new Ajv');
  });
});
