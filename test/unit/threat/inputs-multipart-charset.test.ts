import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 64 * 1024, maxJsonDepth: 8, maxJsonValues: 100, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
const SQLI = "1' union select pwd from staff-- ";

function walk(parts: Buffer[]): Array<[string, string, string[]]> {
  const body = Buffer.concat([...parts, Buffer.from('--XyZ--\r\n')]);
  const c = buildContext(checkRequest({ method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const seen: Array<[string, string, string[]]> = [];
  walkInputs(c, o, (w, v) => seen.push([w, v, inspectValue(v, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return seen;
}
const part = (head: string, content: Buffer) => Buffer.concat([Buffer.from(`--XyZ\r\n${head}\r\n\r\n`), content, Buffer.from('\r\n')]);

/**
 * busboy (and so multer) decodes a field's value in the charset its part's Content-Type names. A field
 * sent as `text/plain; charset=utf-16le` reached the application as `1' union select …` but was read here
 * as UTF-8 — a NUL after every character — and the SQL reader found nothing.
 */
describe('multipart parts in the charset their Content-Type names', () => {
  const cases: Array<[string, Buffer]> = [
    ['text/plain; charset=utf-16le', Buffer.from(SQLI, 'utf16le')],
    ['text/plain; charset="UTF-16LE"', Buffer.from(SQLI, 'utf16le')],
    ['text/plain;charset=utf-16be', Buffer.from(SQLI, 'utf16le').swap16()],
    ['text/plain; format=flowed; charset=utf-16', Buffer.from(SQLI, 'utf16le')],
    ['text/plain; charset=windows-1252', Buffer.from(SQLI, 'latin1')],
  ];
  for (const [type, bytes] of cases) {
    it(`a field: ${type}`, () => {
      const seen = walk([part(`Content-Disposition: form-data; name="q"\r\nContent-Type: ${type}`, bytes)]);
      // (`utf-16` names no byte order: Java reads it big-endian, so that reading is read too)
      assert.deepEqual(type.endsWith('charset=utf-16') ? seen.slice(0, 1) : seen, [['multipart.q', SQLI, ['sqli']]]);
      if (type.endsWith('charset=utf-16')) assert.equal(seen.length, 2);
    });
  }
  it('a text file part too', () => {
    const seen = walk([part('Content-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain; charset=utf-16le', Buffer.from(SQLI, 'utf16le'))]);
    assert.deepEqual(seen[0], ['multipart.f', SQLI, ['sqli']]);
  });
  it('no charset, UTF-8, or one no decoder knows: read as UTF-8', () => {
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'text/plain; charset=x-unknown-9', 'text/plain; charset=']) {
      assert.deepEqual(walk([part(`Content-Disposition: form-data; name="q"\r\nContent-Type: ${type}`, Buffer.from(`${SQLI}é`))]), [['multipart.q', `${SQLI}é`, ['sqli']]], type);
    }
  });
});

/**
 * A charset on the multipart body's own Content-Type (`multipart/form-data; boundary=…; charset=utf-16le`) is
 * the one Tomcat (Spring's getParameter on a multipart request) and ASP.NET decode a field in when its part
 * names none. It was not read at all: the field was read as UTF-8 only, NULs between the characters.
 */
describe('multipart: the body\'s charset is a field\'s when its part names none', () => {
  const body = (head: string, content: Buffer) => Buffer.concat([part(head, content), Buffer.from('--XyZ--\r\n')]);
  const walkAs = (ct: string, b: Buffer) => {
    const c = buildContext(checkRequest({ method: 'POST', body: b, headers: { 'content-type': ct } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
    const seen: Array<[string, string, string[]]> = [];
    walkInputs(c, o, (w, v) => seen.push([w, v, inspectValue(v, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
    return seen;
  };

  it('a field with no charset of its own is read in the body\'s too', () => {
    for (const [cs, bytes] of [['utf-16le', Buffer.from(SQLI, 'utf16le')], ['UTF-16BE', Buffer.from(SQLI, 'utf16le').swap16()]] as const) {
      const seen = walkAs(`multipart/form-data; boundary=XyZ; charset=${cs}`, body('Content-Disposition: form-data; name="q"', bytes));
      assert.ok(seen.some(([w, v, f]) => w === 'multipart.q' && v === SQLI && f.includes('sqli')), `${cs}: ${JSON.stringify(seen)}`);
    }
  });

  it('a part\'s own charset wins; ASCII text reads the same either way (one reading)', () => {
    const own = walkAs('multipart/form-data; boundary=XyZ; charset=utf-16le', body('Content-Disposition: form-data; name="q"\r\nContent-Type: text/plain; charset=utf-8', Buffer.from('hello there')));
    assert.deepEqual(own, [['multipart.q', 'hello there', []]]);
    const latin = walkAs('multipart/form-data; boundary=XyZ; charset=iso-8859-1', body('Content-Disposition: form-data; name="q"', Buffer.from('hello there')));
    assert.deepEqual(latin, [['multipart.q', 'hello there', []]]);
  });
});
