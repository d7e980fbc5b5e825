import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { compileSchema, SchemaCompiler, validateRequest } from '../../../src/threat/validation.js';
import { checkRequest, decide, denyBody, runtimeFrom, type ReqSpec } from '../helpers.js';

const ctx = (r: ReqSpec) => buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });

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

describe('a body that is not JSON', () => {
  const v = { contentTypes: [], schemas: new Map([['POST', compileSchema({ type: 'object' }, '/x', new SchemaCompiler())]]), maxViolations: 20 };
  const msg = (body: string) => validateRequest(ctx({ method: 'POST', path: '/', body, headers: { 'content-type': 'application/json' } }), v)[0]!.message;

  it('is reported with a fixed message that never quotes the body (at most the character position)', () => {
    assert.equal(msg('password=Hunter2SuperSecret&user=bob'), 'body is not valid JSON');
    assert.equal(msg('{"pw":"Hunter2"} trailing'), 'body is not valid JSON (at character 17)');
    assert.equal(msg('{"a":1,}'), 'body is not valid JSON (at character 7)');
    assert.equal(msg('at position 9'), 'body is not valid JSON');
    assert.equal(msg(''), 'body is not valid JSON');
  });

  it('neither the 400 response nor the security event carries the body', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'validation-')), 'events.jsonl');
    const rt = await runtimeFrom(`default_action: { action: allow }\nthreat:\n  ban: { ttl_ms: 0 }\n  events: { log: false, min_action: log, sinks: [ { type: file, path: ${file}, flush_ms: 5 } ] }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n    threat: { validation: { schemas: { POST: { type: object } } } }\n`);
    const m = rt.modules.get('threat') as ThreatModule;
    await m.start();
    const resp = await decide(rt, post('password=Hunter2SuperSecret&user=bob'));
    assert.equal(resp.denied_response.status.code, 400);
    assert.doesNotMatch(resp.denied_response.body, /password|Hunter2/);
    assert.deepEqual(denyBody(resp).violations, [{ where: 'body', message: 'body is not valid JSON' }]);
    await m.state.events.flush();
    const events = readFileSync(file, 'utf8');
    assert.match(events, /"family":"validation"/);
    assert.doesNotMatch(events, /password|Hunter2/);
    await m.close();
  });
});

// Envoy's max_headers_count counts the header lines a client sent (HTTP/1: Host included, the request line not);
// the CheckRequest also carries the request line as pseudo-headers and the headers Envoy itself added.
describe('max_headers counts the headers the client sent', () => {
  const v = (max: number) => ({ contentTypes: [], schemas: new Map(), maxViolations: 20, maxHeaders: max });
  const envoyAdded = {
    ':method': 'GET', ':path': '/x', ':scheme': 'http', 'x-request-id': '0f0c3a55-9a4e-4a57-b4a0-5a0c2a7f6b11',
    'x-forwarded-proto': 'http', 'x-forwarded-for': '192.0.2.10', 'x-envoy-external-address': '192.0.2.10',
  };
  const client = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-c${i}`, 'v']));

  it('Host (:authority) and the client\'s own headers count; the request line and Envoy\'s additions do not', () => {
    // :authority (Host) + 4 = 5 client headers
    assert.deepEqual(validateRequest(ctx({ headers: { ...envoyAdded, ...client(4) } }), v(5)), []);
    assert.deepEqual(validateRequest(ctx({ headers: { ...envoyAdded, ...client(5) } }), v(5)),
      [{ where: 'headers', message: 'too many headers (6 > 5)' }]);
  });

  it('a client cannot hide headers behind a prefix: only those exact names are left out', () => {
    const hidden = { 'x-envoy-a': '1', 'x-envoy-b': '1', 'x-forwarded-host': 'h', ':x': '1' };
    assert.equal(validateRequest(ctx({ headers: { ...envoyAdded, ...hidden } }), v(4)).length, 1);
  });
});
