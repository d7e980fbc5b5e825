import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBody } from '../../../src/policy/input/body.js';

/**
 * A media type is case-insensitive (RFC 9110 §8.3.1): Go's mime.ParseMediaType, Express's type-is and
 * busboy lower-case it before they parse the body, so the policy must see the body whatever the case.
 */
const parsed = (ct: string, body: string): unknown => {
  const p = parseBody(ct, Buffer.from(body), false).parsed;
  return p && typeof p === 'object' && !Array.isArray(p) ? { ...p } : p;
};

describe('parsed_body whatever the case of the content type', () => {
  it('JSON, forms and multipart are parsed when the type is written in capitals', () => {
    assert.deepEqual(parsed('Application/JSON', '{"role":"admin"}'), { role: 'admin' });
    assert.deepEqual(parsed('APPLICATION/X-WWW-FORM-URLENCODED; charset=UTF-8', 'role=admin'), { role: ['admin'] });
    assert.deepEqual(parsed('Multipart/Form-Data; Boundary=B', '--B\r\nContent-Disposition: form-data; name="role"\r\n\r\nadmin\r\n--B--\r\n'), { role: ['admin'] });
  });

  it('the boundary keeps its case', () => {
    assert.deepEqual(parsed('MULTIPART/FORM-DATA; boundary=AbC', '--AbC\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--AbC--\r\n'), { a: ['1'] });
  });
});
