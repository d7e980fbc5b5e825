import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, INJECTION_FAMILIES, inspectValue, type DetectorOptions, type InjectionFamily } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, type ReqSpec } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: true, inspectQuery: true, inspectBody: true };
const det: DetectorOptions = { ...DEFAULT_DETECTOR_OPTIONS, families: new Set(INJECTION_FAMILIES as readonly InjectionFamily[]), markup: 'flag', paranoia: 1 };

/** The families found in each input the walk reads. */
function findings(r: ReqSpec): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const ctx = buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  walkInputs(ctx, o, (where, value) => { for (const f of inspectValue(value, det)) out.push([where, f.family]); });
  return out;
}

describe('parameter and JSON keys', () => {
  // an application that uses names as columns (`WHERE ${key} = ?`) runs SQL spelled with spaces and '=' only
  const KEY = '1 UNION SELECT password FROM users';

  it('a query key with spaces (SQL needs no quote or bracket) is read like a value', () => {
    assert.deepEqual(findings({ path: `/search?${encodeURIComponent(KEY)}=1` }), [[`query-key.${KEY}`, 'sqli']]);
    assert.deepEqual(findings({ path: `/search?${encodeURIComponent('x or 1=1')}=1` }), [['query-key.x or 1=1', 'sqli']]);
  });

  it('a form field name and a JSON key with spaces are read too', () => {
    assert.deepEqual(findings({ method: 'POST', path: '/f', body: `${encodeURIComponent(KEY)}=1`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), [[`form-key.${KEY}`, 'sqli']]);
    assert.deepEqual(findings({ method: 'POST', path: '/j', body: JSON.stringify({ filter: { [KEY]: 1 } }), headers: { 'content-type': 'application/json' } }), [['body-key.$.filter', 'sqli']]);
  });

  it('a multipart field name is read like a form field name', () => {
    const body = ['--b1', `Content-Disposition: form-data; name="${KEY}"`, '', '1', '--b1', `Content-Disposition: form-data; name="f"; filename="a.txt"`, '', 'x', '--b1--', ''].join('\r\n');
    assert.deepEqual(findings({ method: 'POST', path: '/m', body, headers: { 'content-type': 'multipart/form-data; boundary=b1' } }), [[`multipart-key.${KEY}`, 'sqli']]);
    const quoted = ['--b1', `Content-Disposition: form-data; name="x' OR '1'='1"`, '', '1', '--b1--', ''].join('\r\n');
    assert.deepEqual(findings({ method: 'POST', path: '/m', body: quoted, headers: { 'content-type': 'multipart/form-data; boundary=b1' } }).map(([w]) => w), ["multipart-key.x' OR '1'='1"]);
  });

  it('ordinary names are still not read as values', () => {
    const ctx = buildContext(checkRequest({ path: '/search?page=2&sort_by=name&user-id=7&a.b=1&user[name]=x' }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
    const read: string[] = [];
    walkInputs(ctx, o, (where) => read.push(where));
    assert.deepEqual(read.filter((w) => w.startsWith('query-key.')), []);
  });
});
