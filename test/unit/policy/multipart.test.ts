import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyParseError, parseBody } from '../../../src/policy/input/body.js';
import { MAX_PARTS } from '../../../src/policy/input/multipart.js';

/**
 * multipart/form-data read as OPA-Envoy reads it (Go's mime/multipart: delimiters only at the start of a
 * line, transport padding after them, Content-Disposition parsed as a media type with token or quoted
 * names), so the policy sees the fields the upstream's parser sees.
 */

const parse = (body: string, boundary = 'B'): Record<string, unknown[]> =>
  ({ ...(parseBody(`multipart/form-data; boundary=${boundary}`, Buffer.from(body), false).parsed as object) }) as Record<string, unknown[]>;

describe('multipart/form-data like Go\'s mime/multipart', () => {
  it('a name may be a token (name=role) or a quoted string with escapes (name="a\\"b")', () => {
    assert.deepEqual(parse('--B\r\nContent-Disposition: form-data; name=role\r\n\r\nadmin\r\n--B--\r\n'), { role: ['admin'] });
    assert.deepEqual(parse('--B\r\nContent-Disposition: form-data; name="a\\"b"\r\n\r\nv\r\n--B--\r\n'), { 'a"b': ['v'] });
    // a backslash before an ordinary character stays (Go unescapes only special characters)
    assert.deepEqual(parse('--B\r\nContent-Disposition: form-data; name="c:\\dir"\r\n\r\nv\r\n--B--\r\n'), { 'c:\\dir': ['v'] });
    // parameter names are case-insensitive; filename is not the name
    assert.deepEqual(parse('--B\r\ncontent-disposition: form-data; filename="f.txt"; NAME="up"\r\n\r\nv\r\n--B--\r\n'), { up: ['v'] });
  });

  it('a delimiter counts only at the start of a line: "--B" inside a value is content', () => {
    const body = '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nx--B\r\nContent-Disposition: form-data; name="b"\r\n\r\n1\r\n--B--\r\n';
    assert.deepEqual(parse(body), { a: ['x--B\r\nContent-Disposition: form-data; name="b"\r\n\r\n1'] });
    // "--B" followed by other characters on its line is content in Go but the end of the part in PHP:
    // refused (multipart-readers.test.ts)
  });

  it('a preamble is skipped; spaces and tabs after a delimiter are padding; LF-only bodies work', () => {
    assert.deepEqual(parse('preamble text\r\n--B \t\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--  \r\nepilogue'), { a: ['1'] });
    assert.deepEqual(parse('--B\nContent-Disposition: form-data; name="a"\nContent-Type: application/json;\n\n{"k": 1}\n--B\nContent-Disposition: form-data; name="t"\n\nv\n--B--\n\t\t'),
      { a: [{ k: 1 }], t: ['v'] });
  });

  it('parts that are not form-data fields are skipped, as Go\'s FormName skips them', () => {
    const body = '--B\r\nContent-Disposition: attachment\r\n\r\n1\r\n--B\r\nContent-Type: text/plain\r\n\r\n2\r\n--B\r\nContent-Disposition: form-data; name="c"\r\n\r\n3\r\n--B--\r\n';
    assert.deepEqual(parse(body), { c: ['3'] });
  });

  it('a body without its closing delimiter, or with a malformed delimiter line, is refused (Go: an error; OPA-Envoy: 400)', () => {
    for (const body of [
      '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1',
      '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B junk\r\nContent-Disposition: form-data; name="b"\r\n\r\n2\r\n--B--\r\n',
      '--B\r\nContent-Disposition: form-data; name="a"\r\n',
    ]) assert.throws(() => parse(body), BodyParseError, JSON.stringify(body));
  });

  it('a disposition naming the field twice is refused: which one a server reads is not knowable', () => {
    assert.throws(() => parse('--B\r\nContent-Disposition: form-data; name="user"; name="admin"\r\n\r\n1\r\n--B--\r\n'), BodyParseError);
  });

  it('a body with no delimiter line at all is refused', () => {
    assert.throws(() => parse('just text'), BodyParseError);
  });
  it('an empty value, a body that is only the closing delimiter, a long boundary', () => {
    assert.deepEqual(parse('--B\r\nContent-Disposition: form-data; name="e"\r\n\r\n--B--\r\n'), { e: [''] });
    assert.deepEqual(parse('--B--\r\n'), {});
    const long = 'q'.repeat(300);
    assert.deepEqual(parse(`--${long}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${long}--`, `"${long}"`), { a: ['1'] });
  });

  it('more parts than it reads is refused, never cut short (a field after the limit would be invisible to the policy)', () => {
    const p = '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n';
    assert.equal(parse(`${p.repeat(MAX_PARTS)}--B--\r\n`).a!.length, MAX_PARTS);
    assert.throws(() => parse(`${p.repeat(MAX_PARTS + 1)}--B--\r\n`), BodyParseError);
  });

  it('what servers read differently is refused: two Content-Disposition headers, RFC 2231 names, a transfer encoding', () => {
    for (const head of [
      'Content-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="admin"',
      "Content-Disposition: form-data; name*=UTF-8''admin",
      'Content-Disposition: form-data; name="role"\r\nContent-Transfer-Encoding: quoted-printable',
      'Content-Disposition: form-data; name="role"\r\nContent-Transfer-Encoding: base64',
    ]) assert.throws(() => parse(`--B\r\n${head}\r\n\r\n=61dmin\r\n--B--\r\n`), BodyParseError, head);
    assert.deepEqual(parse('--B\r\nContent-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: 8bit\r\n\r\nv\r\n--B--\r\n'), { a: ['v'] });
  });

  it('an unreadable Content-Type or an empty boundary is refused; no boundary parameter is no parsed body', () => {
    assert.throws(() => parseBody('multipart/form-data; boundary="B', Buffer.from('--B--'), false), BodyParseError);
    assert.throws(() => parseBody('multipart/form-data; boundary=""', Buffer.from('--B--'), false), BodyParseError);
    assert.equal(parseBody('multipart/form-data', Buffer.from('--B--'), false).parsed, undefined);
  });

  it('near-delimiters everywhere are read in one pass (a large hostile body completes)', () => {
    const body = `--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n${'\r\n--x\r\n-B'.repeat(200_000)}\r\n--B--\r\n`;
    assert.equal((parse(body).a![0] as string).length, 9 * 200_000);
    // a line starting like a delimiter is refused at the first one
    assert.throws(() => parse(`--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n${'\r\n--Bx'.repeat(200_000)}\r\n--B--\r\n`), BodyParseError);
  });
});

describe('multipart parts with a JSON content type (review 2)', () => {
  it('a part whose Content-Type is application/json in capitals is parsed as JSON, as the body-level type is (README: media types are case-insensitive)', () => {
    const body = (ct: string) => `--B\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: ${ct}\r\n\r\n{"role":"admin"}\r\n--B--\r\n`;
    assert.deepEqual(parse(body('application/json')), { meta: [{ role: 'admin' }] });
    // a Spring @RequestPart or any upstream that reads the media type case-insensitively sees the object
    assert.deepEqual(parse(body('Application/JSON')), { meta: [{ role: 'admin' }] });
    assert.deepEqual(parse(body('APPLICATION/JSON; charset=UTF-8')), { meta: [{ role: 'admin' }] });
  });
});
