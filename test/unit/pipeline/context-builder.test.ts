import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, clientIp, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { BadRequestError } from '../../../src/pipeline/deny.js';
import { query } from '../../../src/pipeline/query.js';
import { checkRequest } from '../helpers.js';

const opts = { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 };

describe('RequestContext from a CheckRequest', () => {
  it('splits path, query and fragment; lower-cases the host; reads the body', () => {
    const ctx = buildContext(checkRequest({ method: 'POST', path: '/a/b?x=1&y=%20z&y=2#frag', host: 'API.Example.com', body: '{"a":1}', headers: { 'content-length': '7', 'x-request-id': 'rid-1' } }), opts);
    assert.equal(ctx.path, '/a/b');
    assert.equal(ctx.rawQuery, 'x=1&y=%20z&y=2');
    assert.deepEqual(query(ctx).get('y'), [' z', '2']);
    assert.equal(ctx.host, 'api.example.com');
    assert.equal(ctx.body.toString(), '{"a":1}');
    assert.equal(ctx.bodyTruncated, false);
    assert.equal(ctx.requestId, 'rid-1');
    assert.equal(ctx.client.ip, '192.0.2.10');
    assert.notEqual(ctx.decisionId, ctx.requestId);
  });

  it('marks a partial body as truncated', () => {
    const ctx = buildContext(checkRequest({ method: 'POST', body: 'abc', headers: { 'content-length': '9000' } }), opts);
    assert.equal(ctx.bodyTruncated, true);
  });

  it('prefers header_map (newer Envoy) and joins repeated headers', () => {
    const req = checkRequest();
    req.attributes.request.http.headers = undefined;
    req.attributes.request.http.header_map = { headers: [{ key: 'X-A', raw_value: Buffer.from('1') }, { key: 'x-a', raw_value: Buffer.from('2') }, { key: 'b', value: 'v' }] };
    const ctx = buildContext(req, opts);
    assert.equal(ctx.headers['x-a'], '1,2');
    assert.equal(ctx.headers.b, 'v');
  });

  it('a legacy header map gives headers without Object built-ins ("constructor" is only a header if sent)', () => {
    const ctx = buildContext(checkRequest({ headers: { a: '1' } }), opts);
    assert.equal(ctx.headers.constructor, undefined);
    assert.equal(ctx.headers['__proto__' as string], undefined);
    assert.equal(ctx.headers.a, '1');
    const sent = buildContext(checkRequest({ headers: { constructor: 'c' } }), opts);
    assert.equal(sent.headers.constructor, 'c');
  });

  const bad: Array<[string, any, string]> = [
    ['no attributes', {}, 'ERR_BAD_REQUEST'],
    ['no http', { attributes: { request: {} } }, 'ERR_BAD_REQUEST'],
    ['no method', checkRequest({ method: '' }), 'ERR_BAD_REQUEST'],
    ['absurd path', checkRequest({ path: '/' + 'a'.repeat(20000) }), 'ERR_BAD_REQUEST'],
    ['too many headers', checkRequest({ headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`h${i}`, 'v'])) }), 'ERR_BAD_REQUEST'],
    ['huge header', checkRequest({ headers: { big: 'x'.repeat(200 * 1024) } }), 'ERR_BAD_REQUEST'],
    ['invalid UTF-8 in a header', checkRequest({ headers: { h: Buffer.from([0x61, 0xff, 0x62]).toString('utf8') } }), 'ERR_BAD_REQUEST'],
    ['invalid UTF-8 in the path', checkRequest({ path: Buffer.from([0x2f, 0xc3, 0x28]).toString('utf8') }), 'ERR_BAD_REQUEST'],
    ['a header_map entry without a name', (() => { const r = checkRequest(); r.attributes.request.http.header_map = { headers: [{ value: 'v' }] }; return r; })(), 'ERR_BAD_REQUEST'],
    ['body over the cap', checkRequest({ method: 'POST', body: Buffer.alloc(DEFAULT_REQUEST_LIMITS.maxBodyBytes + 1) }), 'ERR_PAYLOAD_TOO_LARGE'],
  ];
  for (const [name, req, code] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(() => buildContext(req, opts), (e: unknown) => e instanceof BadRequestError && e.code === code);
    });
  }

  it('takes the client IP from X-Forwarded-For only with trusted hops', () => {
    assert.equal(clientIp('10.0.0.1', '1.2.3.4, 5.6.7.8', 0), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '1.2.3.4, 5.6.7.8', 1), '5.6.7.8');
    assert.equal(clientIp('10.0.0.1', '1.2.3.4, 5.6.7.8', 2), '1.2.3.4');
    // fewer entries than trusted hops: the leftmost is the client's own claim, so the source address counts
    assert.equal(clientIp('10.0.0.1', '1.2.3.4', 5), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '1.2.3.4, 5.6.7.8', 3), '10.0.0.1');
    // an entry that is not an address never becomes the client IP
    assert.equal(clientIp('10.0.0.1', 'not-an-ip, 5.6.7.8', 2), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '1.2.3.4, ', 1), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '2001:db8::7, 5.6.7.8', 2), '2001:db8::7');
    const ctx = buildContext(checkRequest({ headers: { 'x-forwarded-for': '6.6.6.6' } }), opts);
    assert.equal(ctx.client.ip, '192.0.2.10');
  });

  it('does not count the entry Envoy appended for its own peer (use_remote_address: true) among the trusted hops', () => {
    // one proxy (10.0.0.1) in front: it appended the client, Envoy appended the proxy
    assert.equal(clientIp('10.0.0.1', '1.2.3.4,10.0.0.1', 1), '1.2.3.4');
    assert.equal(clientIp('10.0.0.1', '6.6.6.6, 1.2.3.4, 10.0.0.1', 1), '1.2.3.4');
    assert.equal(clientIp('10.0.0.1', '6.6.6.6, 1.2.3.4, 10.0.0.2, 10.0.0.1', 2), '1.2.3.4');
    assert.equal(clientIp('2001:db8::1', '2001:db8::7, 2001:db8::1', 1), '2001:db8::7');
    // only Envoy's own entry: no proxy added one, so the source address stays the client
    assert.equal(clientIp('10.0.0.1', '10.0.0.1', 1), '10.0.0.1');
    // an Envoy that does not append (use_remote_address: false): the proxy's entry is the last one
    assert.equal(clientIp('10.0.0.1', '6.6.6.6, 1.2.3.4', 1), '1.2.3.4');
  });
});
