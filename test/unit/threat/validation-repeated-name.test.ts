import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { repeatedName } from '../../../src/threat/json-repeated-name.js';
import { compileSchema, SchemaCompiler, validateRequest } from '../../../src/threat/validation.js';
import { checkRequest, decide, denyBody, runtimeFrom } from '../helpers.js';

const where = (text: string) => repeatedName(text, JSON.parse(text));

describe('repeatedName: the first member name that repeats within one object', () => {
  it('finds it at any depth, and names its place as violations do', () => {
    assert.equal(where('{"name":1,"name":"x"}'), 'body.name');
    assert.equal(where('{"a":[{"b":1},{"c":{"d":"x","e":2,"d":null}}]}'), 'body.a[1].c.d');
    assert.equal(where('{"\\u0071":"1","q":"2"}'), 'body.q', 'escaped names are the names JSON.parse decodes');
    assert.equal(where('{"a.b":1,"a.b":2}'), "body['a.b']");
  });

  it('is undefined for bodies whose names are unique per object (same names in different objects are fine)', () => {
    for (const t of ['{}', '[]', '"x"', '1', 'null', '{"a":{"a":{"a":"a"}},"b":["a","a"]}', '[{"k":1},{"k":2}]',
      '{"q":"a \\"quoted\\" \\\\ value","r":"\\\\"}', '{"":"","x":""}']) {
      assert.equal(where(t), undefined, t);
    }
  });

  it('reads deep documents without recursion', () => {
    const deep = '['.repeat(20_000) + '{"k":1,"k":2}' + ']'.repeat(20_000);
    assert.equal(where(deep), `body${'[0]'.repeat(20_000)}.k`);
    const flat = '['.repeat(20_000) + '{"k":1}' + ']'.repeat(20_000);
    assert.equal(where(flat), undefined);
  });
});

describe('validation refuses a repeated member name on a route with a schema', () => {
  const v = { contentTypes: [], schemas: new Map([['POST', compileSchema({ type: 'object', properties: { name: { type: 'string' } } }, '/x', new SchemaCompiler())]]), maxViolations: 20 };
  const validate = (body: string) => validateRequest(buildContext(checkRequest({ method: 'POST', path: '/', body, headers: { 'content-type': 'application/json' } }),
    { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 }), v);

  it('the value JSON.parse dropped is one the schema never saw: {"name":1,"name":"x"} is refused', () => {
    assert.deepEqual(validate('{"name":"x"}'), []);
    const out = validate('{"name":1,"name":"x"}');
    assert.equal(out.length, 1);
    assert.equal(out[0]!.where, 'body.name');
    assert.match(out[0]!.message, /repeats/);
  });

  it('through the pipeline: 400 ERR_VALIDATION naming the place, and the same body without the repeat passes', async () => {
    const rt = await runtimeFrom(`threat: { ban: { ttl_ms: 0 } }\ndefault_action: { action: allow }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n    threat: { validation: { schemas: { POST: { type: object, properties: { qty: { type: integer, minimum: 1 } } } } } }\n`);
    const post = (body: string) => ({ method: 'POST', path: '/orders', body, headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' } });
    const refused = await decide(rt, post('{"qty":-5,"qty":1}'));
    assert.equal(refused.denied_response.status.code, 400);
    assert.equal(denyBody(refused).error, 'ERR_VALIDATION');
    assert.deepEqual(denyBody(refused).violations.map((x: { where: string }) => x.where), ['body.qty']);
    assert.ok((await decide(rt, post('{"qty":1}'))).ok_response);
  });
});
