import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpretResult, PolicyResultError } from '../../../src/policy/result.js';

describe('policy results (OPA-Envoy semantics)', () => {
  it('a boolean is the decision; deny defaults to 403', () => {
    assert.equal(interpretResult(true).allowed, true);
    const d = interpretResult(false);
    assert.equal(d.allowed, false);
    assert.equal(d.httpStatus, 403);
    assert.deepEqual(d.headers, []);
  });

  it('an object carries headers (map, multi-value, list of maps), removals, status, body and metadata', () => {
    const d = interpretResult({
      allowed: true,
      headers: [{ 'X-User': 'alice' }, { 'x-tag': ['a', 'b'] }],
      response_headers_to_add: { 'x-decision': 'allow' },
      request_headers_to_remove: ['Authorization'],
      query_parameters_to_set: { page: '2' },
      query_parameters_to_remove: ['debug'],
      dynamic_metadata: { subject: 'alice' },
    });
    assert.deepEqual(d.headers, [['x-user', 'alice'], ['x-tag', 'a'], ['x-tag', 'b']]);
    assert.deepEqual(d.responseHeadersToAdd, [['x-decision', 'allow']]);
    assert.deepEqual(d.requestHeadersToRemove, ['authorization']);
    assert.deepEqual(d.queryParametersToSet, [['page', '2']]);
    assert.deepEqual(d.queryParametersToRemove, ['debug']);
    assert.deepEqual(d.dynamicMetadata, { subject: 'alice' });
    const deny = interpretResult({ allowed: false, http_status: 401, body: 'nope', headers: { 'www-authenticate': 'Bearer' } });
    assert.equal(deny.httpStatus, 401);
    assert.equal(deny.body, 'nope');
  });

  const bad: Array<[string, unknown]> = [
    ['undefined (no default rule)', undefined],
    ['a number', 1],
    ['an array', [true]],
    ['no allowed key', { headers: {} }],
    ['allowed not boolean', { allowed: 'yes' }],
    ['http_status out of range', { allowed: false, http_status: 999 }],
    ['an informational http_status', { allowed: false, http_status: 100 }],
    ['http_status not a number', { allowed: false, http_status: '403' }],
    ['body not a string', { allowed: false, body: { a: 1 } }],
    ['header value not a string', { allowed: true, headers: { 'x-n': 1 } }],
    ['header value with CRLF (response splitting)', { allowed: true, headers: { 'x-a': 'ok\r\nSet-Cookie: evil=1' } }],
    ['invalid header name', { allowed: true, headers: { 'bad name': 'x' } }],
    // RFC 9110 §5.5: no control character but HTAB; Envoy answers 503 for such an upstream header and passes it
    // to the client in a response header, where HTTP clients refuse the whole response
    ['header value with a control character (SOH)', { allowed: true, headers: { 'x-a': 'a\u0001b' } }],
    ['header value with DEL', { allowed: true, headers: { 'x-a': 'a\u007fb' } }],
    ['response header value with a control character', { allowed: true, response_headers_to_add: { 'x-a': 'a\u001bb' } }],
    ['denied-response header value with a control character', { allowed: false, headers: { 'x-a': 'a\u0008b' } }],
    ['headers not an object', { allowed: true, headers: 'x-a: b' }],
    ['request_headers_to_remove not a list of strings', { allowed: true, request_headers_to_remove: 'authorization' }],
    ['dynamic_metadata not an object', { allowed: true, dynamic_metadata: [1] }],
  ];
  it('a header value may hold HTAB, spaces and non-ASCII text (RFC 9110 field-value, what Envoy accepts)', () => {
    assert.deepEqual(interpretResult({ allowed: true, headers: { 'x-a': 'a\tb c é' } }).headers, [['x-a', 'a\tb c é']]);
  });

  for (const [name, value] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => interpretResult(value), PolicyResultError));
  }
});
