import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { csrfViolation, type CsrfOptions } from '../../../src/threat/csrf.js';
import { compileSchema, SchemaCompiler, validateRequest, type ValidationOptions } from '../../../src/threat/validation.js';
import { checkRequest, type ReqSpec } from '../helpers.js';
import { ConfigError } from '../../../src/config/errors.js';

const ctx = (r: ReqSpec) => buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });

describe('CSRF', () => {
  const o: CsrfOptions = { allowedOrigins: new Set(['https://app.example.com']), methods: new Set(['POST', 'PUT', 'PATCH', 'DELETE']), sessionCookies: ['sid'], allowSameSite: false, requireOrigin: true };
  const post = (headers: Record<string, string>) => csrfViolation(ctx({ method: 'POST', path: '/transfer', headers: { cookie: 'sid=abc', ...headers } }), o);

  it('allows the request\'s own origin and listed origins; refuses others and null', () => {
    assert.equal(post({ origin: 'http://api.example.com' }), undefined);
    assert.equal(post({ origin: 'https://app.example.com' }), undefined);
    assert.match(post({ origin: 'https://evil.example' })!, /not allowed/);
    assert.match(post({ origin: 'null' })!, /null/);
  });

  it('uses Sec-Fetch-Site and Referer when there is no Origin, and refuses when there is nothing', () => {
    assert.equal(post({ 'sec-fetch-site': 'same-origin' }), undefined);
    assert.match(post({ 'sec-fetch-site': 'cross-site' })!, /cross-site/);
    assert.equal(post({ referer: 'https://app.example.com/page?x=1' }), undefined);
    assert.match(post({ referer: 'https://evil.example/' })!, /Referer origin https:\/\/evil.example/);
    assert.match(post({})!, /no Origin, Referer or Sec-Fetch-Site/);
  });

  it('only guards cookie-authenticated, state-changing requests', () => {
    assert.equal(csrfViolation(ctx({ method: 'GET', headers: { cookie: 'sid=a', origin: 'https://evil.example' } }), o), undefined);
    assert.equal(csrfViolation(ctx({ method: 'POST', headers: { origin: 'https://evil.example' } }), o), undefined, 'no session cookie');
    assert.equal(csrfViolation(ctx({ method: 'POST', headers: { cookie: 'sid=a', authorization: 'Bearer x', origin: 'https://evil.example' } }), o), undefined);
  });

  it('double-submit token: cookie and header must match', () => {
    const t: CsrfOptions = { ...o, token: { cookie: 'csrf', header: 'x-csrf-token' } };
    const c = (h: Record<string, string>) => csrfViolation(ctx({ method: 'POST', headers: { origin: 'https://app.example.com', ...h } }), t);
    assert.equal(c({ cookie: 'sid=a; csrf=t0k3n', 'x-csrf-token': 't0k3n' }), undefined);
    assert.match(c({ cookie: 'sid=a; csrf=t0k3n', 'x-csrf-token': 'other' })!, /does not match/);
    assert.match(c({ cookie: 'sid=a; csrf=t0k3n' })!, /missing CSRF token/);
  });
});

describe('request validation', () => {
  const schema = compileSchema({ type: 'object', required: ['name', 'qty'], additionalProperties: false, properties: { name: { type: 'string', maxLength: 20 }, qty: { type: 'integer', minimum: 1 } } }, '/x', new SchemaCompiler());
  const v: ValidationOptions = { contentTypes: ['application/json'], maxBodyBytes: 200, maxHeaders: 20, maxHeaderBytes: 2000, schemas: new Map([['POST', schema]]), maxViolations: 20 };
  const post = (body: string, ct = 'application/json', extra: Record<string, string> = {}) =>
    validateRequest(ctx({ method: 'POST', path: '/items', body, headers: { 'content-type': ct, ...extra } }), v);

  it('accepts a valid body and leaves the parsed JSON for later stages', () => {
    const c = ctx({ method: 'POST', path: '/items', body: '{"name":"x","qty":2}', headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.deepEqual(validateRequest(c, v), []);
    assert.deepEqual(c.facts['threat.json'], { name: 'x', qty: 2 });
  });

  it('lists every schema violation', () => {
    const out = post('{"name":"a name that is far too long","qty":0,"extra":1}');
    const msgs = out.map((x) => `${x.where}: ${x.message}`);
    assert.ok(msgs.includes('body: unknown property "extra"'), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.startsWith('body.name:')));
    assert.ok(msgs.some((m) => m.startsWith('body.qty:')));
  });

  it('a body that is not JSON, a wrong content type, too many or too large headers, a large body', () => {
    assert.match(post('name=x&qty=1', 'application/json')[0]!.message, /not valid JSON/);
    assert.match(post('{"name":"x","qty":1}', 'text/plain')[0]!.message, /content type "text\/plain" is not allowed/);
    assert.match(post('x'.repeat(300))[0]!.message, /body too large \(300 > 200/);
    const many: Record<string, string> = {};
    for (let i = 0; i < 25; i++) many[`x-h${i}`] = 'v';
    assert.ok(post('{"name":"x","qty":1}', 'application/json', many).some((x) => x.message.startsWith('too many headers')));
    assert.ok(post('{"name":"x","qty":1}', 'application/json', { 'x-big': 'y'.repeat(3000) }).some((x) => x.message.startsWith('headers too large')));
  });

  it('an invalid schema is a config error at the given path', () => {
    assert.throws(() => compileSchema({ type: 'no-such-type' }, '/routes/1/threat/validation/schemas/POST', new SchemaCompiler()), (e: unknown) => e instanceof ConfigError && e.path === '/routes/1/threat/validation/schemas/POST');
  });
});
