import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildInput } from '../../../src/policy/input/build-input.js';
import { ctxFor } from './helpers.js';

/**
 * The cases of opa-envoy-plugin's envoyauth request tests (getParsedBody, getParsedPathAndQuery), in our
 * own values: the same CheckRequest gives the same parsed_body / truncated_body / parsed_path /
 * parsed_query. `text` sends the body as Envoy's `body` string, otherwise as `raw_body` bytes.
 */

const input = (headers: Record<string, string>, body?: string, text = false, path = '/') =>
  buildInput(ctxFor({ method: 'POST', path, headers, ...(text ? { mutate: (r: any) => { r.attributes.request.http.body = body; } } : { body }) }), { parseBody: true }) as any;
const plain = (o: unknown): unknown => JSON.parse(JSON.stringify(o));

describe('OPA-Envoy request parity: parsed_body and truncated_body', () => {
  const json = { 'content-type': 'application/json' };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const cases: Array<[string, Record<string, string>, string | undefined, boolean, unknown, boolean]> = [
    ['no content type', { 'content-length': '0' }, undefined, false, null, false],
    ['text/html is not parsed', { 'content-type': 'text/html' }, '<p>hi</p>', true, null, false],
    ['a JSON string', json, '"bar"', true, 'bar', false],
    ['a JSON boolean', json, 'false', true, false, false],
    ['a JSON number', json, '7', true, 7, false],
    ['JSON null', json, 'null', true, null, false],
    ['a JSON object', json, '{"given": "ann", "family": "lee"}', true, { given: 'ann', family: 'lee' }, false],
    ['a JSON array', json, '["x", "y"]', true, ['x', 'y'], false],
    ['JSON escapes', json, '["\\"", "\\\\", "\\/", "/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0042"]', true, ['"', '\\', '/', '/', '\b', '\f', '\n', '\r', '\t', 'B'], false],
    ['an empty JSON body', json, '', true, null, false],
    ['a JSON body shorter than its content-length', { ...json, 'content-length': '500' }, 'false', true, null, true],
    ['a JSON body as raw bytes', json, '{\n  "given": "ann"\n}', false, { given: 'ann' }, false],
    ['a form as raw bytes', form, 'given=ann&family=lee', false, { given: ['ann'], family: ['lee'] }, false],
    ['a form', form, 'given=ann&family=lee', true, { given: ['ann'], family: ['lee'] }, false],
    ['a form with a repeated name', form, 'given=ann&family=lee&family=li', true, { given: ['ann'], family: ['lee', 'li'] }, false],
    ['a form shorter than its content-length', { ...form, 'content-length': '500' }, 'given=ann', true, null, true],
    ['an empty form', form, '', true, null, false],
    ['a multipart form (LF line ends, trailing whitespace)', { 'content-type': 'multipart/form-data; boundary=zz' },
      '--zz\nContent-Disposition: form-data; name="n"\nContent-Type: text/plain\n\nv\n--zz\nContent-Disposition: form-data; name="j"\nContent-Type: application/json;\n\n{"k": "v"}\n--zz--\n\t\t', true,
      { n: ['v'], j: [{ k: 'v' }] }, false],
  ];
  for (const [name, headers, body, text, parsed, truncated] of cases) {
    it(name, () => {
      const i = input(headers, body, text);
      assert.deepEqual(plain(i.parsed_body), parsed);
      assert.equal(i.truncated_body, truncated);
    });
  }
});

describe('OPA-Envoy request parity: parsed_path and parsed_query', () => {
  const cases: Array<[string, string[], Record<string, string[]>]> = [
    ['/one/two/three', ['one', 'two', 'three'], {}],
    ['/one/two/three?p=1', ['one', 'two', 'three'], { p: ['1'] }],
    ['/one/two/three?p=1&p=2', ['one', 'two', 'three'], { p: ['1', '2'] }],
    ['/one/two/three?p=1&q=2', ['one', 'two', 'three'], { p: ['1'], q: ['2'] }],
    ['/one/two/three?p=1&p=two%0alines', ['one', 'two', 'three'], { p: ['1', 'two\nlines'] }],
    ['/one%2Ftwo%2Fthree?p=1', ['one', 'two', 'three'], { p: ['1'] }],
  ];
  for (const [path, parsedPath, parsedQuery] of cases) {
    it(path, () => {
      const i = buildInput(ctxFor({ path }), { parseBody: true }) as any;
      assert.deepEqual(i.parsed_path, parsedPath);
      assert.deepEqual(plain(i.parsed_query), parsedQuery);
    });
  }
});
