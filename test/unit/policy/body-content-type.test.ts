import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyParseError, parseBody } from '../../../src/policy/input/body.js';

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

describe('a form in another charset than UTF-8', () => {
  it('is refused unless its fields are plain ASCII: Tomcat, ASP.NET, Django and busboy decode the escapes in that charset', () => {
    // UTF-16LE "admin" is "admin" to those upstreams; the policy would see "a\0d\0m\0i\0n\0"
    assert.throws(() => parseBody('application/x-www-form-urlencoded; charset=utf-16le', Buffer.from('role=a%00d%00m%00i%00n%00'), false), BodyParseError);
    assert.throws(() => parseBody('application/x-www-form-urlencoded; charset=windows-1252', Buffer.from('name=Jos%E9'), false), BodyParseError);
    assert.deepEqual(parsed('application/x-www-form-urlencoded; charset=ISO-8859-1', 'role=admin&q=a+b%21'), { role: ['admin'], q: ['a b!'] });
    assert.deepEqual(parsed('application/x-www-form-urlencoded; charset=UTF-8', 'name=Jos%C3%A9'), { name: ['José'] });
    assert.deepEqual(parsed('application/x-www-form-urlencoded', 'name=Jos%C3%A9'), { name: ['José'] });
  });
});
