import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpretResult, PolicyResultError } from '../../../src/policy/result.js';

/**
 * The cases of opa-envoy-plugin's envoyauth response tests, in our own values: which decisions are errors
 * (the request is denied ERR_POLICY) and what the accepted ones carry.
 */

describe('OPA-Envoy result parity', () => {
  const errors: Array<[string, unknown]> = [
    ['an object without allowed', {}],
    ['allowed as a number', { allowed: 1 }],
    ['a string decision', 'yes'],
    ['query_parameters_to_remove as a string', { allowed: true, query_parameters_to_remove: 'page' }],
    ['query_parameters_to_remove with a number', { allowed: true, query_parameters_to_remove: [7] }],
    ['query_parameters_to_set as a string', { allowed: true, query_parameters_to_set: 'page=2' }],
    ['query_parameters_to_set with a number value', { allowed: true, query_parameters_to_set: { page: 2 } }],
    ['query_parameters_to_set with a number in a list', { allowed: true, query_parameters_to_set: { page: [2] } }],
    ['request_headers_to_remove as a string', { allowed: true, request_headers_to_remove: 'cookie' }],
    ['request_headers_to_remove with a number', { allowed: true, request_headers_to_remove: [7] }],
    ['request_headers_to_remove as a number', { allowed: true, request_headers_to_remove: 7 }],
    ['response_headers_to_add as a string', { allowed: true, response_headers_to_add: 'x-a: 1' }],
    ['response_headers_to_add with a number value', { allowed: true, response_headers_to_add: { 'x-a': 'ok', 'x-b': 2 } }],
    ['headers as a string', { allowed: false, headers: 'x-a: 1' }],
    ['headers with a number value', { allowed: false, headers: { 'x-a': 'ok', 'x-b': 2 } }],
    ['headers: a list holding a non-object', { allowed: false, headers: [{ 'x-a': 'ok' }, 'x-b'] }],
    ['a body that is not a string', { allowed: false, body: 12 }],
    ['http_status as a string', { allowed: false, http_status: '401' }],
    ['dynamic_metadata as a list', { allowed: false, dynamic_metadata: ['a'] }],
  ];
  for (const [name, value] of errors) it(`error: ${name}`, () => assert.throws(() => interpretResult(value), PolicyResultError));

  it('a boolean carries nothing else', () => {
    assert.deepEqual(interpretResult(true), { allowed: true, headers: [], responseHeadersToAdd: [], requestHeadersToRemove: [], queryParametersToSet: [], queryParametersToRemove: [], httpStatus: 403 });
  });

  it('query_parameters_to_set: a string or a list per name, in order', () => {
    assert.deepEqual(interpretResult({ allowed: true, query_parameters_to_set: { one: 'x', many: ['y', 'z'] } }).queryParametersToSet, [['one', 'x'], ['many', 'y'], ['many', 'z']]);
    assert.deepEqual(interpretResult({ allowed: true, query_parameters_to_remove: ['a', 'b', 'c'] }).queryParametersToRemove, ['a', 'b', 'c']);
  });

  it('headers and response_headers_to_add: a map, a map of lists, or a list of maps, one pair per value', () => {
    for (const field of ['headers', 'response_headers_to_add'] as const) {
      const key = field === 'headers' ? 'headers' : 'responseHeadersToAdd';
      assert.deepEqual(interpretResult({ allowed: true, [field]: { 'x-k': 'v' } })[key], [['x-k', 'v']]);
      assert.deepEqual(interpretResult({ allowed: true, [field]: [{ 'x-k': 'v1' }, { 'x-k': 'v2' }] })[key], [['x-k', 'v1'], ['x-k', 'v2']]);
      assert.deepEqual(interpretResult({ allowed: true, [field]: { 'x-k': ['v1', 'v2'] } })[key], [['x-k', 'v1'], ['x-k', 'v2']]);
      assert.deepEqual(interpretResult({ allowed: true, [field]: {} })[key], []);
    }
  });

  it('a deny: status, body and headers', () => {
    const d = interpretResult({ allowed: false, http_status: 429, body: 'slow down', headers: { 'retry-after': '5' }, dynamic_metadata: { why: 'rate' } });
    assert.equal(d.httpStatus, 429);
    assert.equal(d.body, 'slow down');
    assert.deepEqual(d.headers, [['retry-after', '5']]);
    assert.deepEqual(d.dynamicMetadata, { why: 'rate' });
  });
});
