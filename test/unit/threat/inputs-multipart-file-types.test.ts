import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 64 * 1024, maxJsonDepth: 8, maxJsonValues: 100, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function walk(body: Buffer | string): Array<[string, string[]]> {
  const c = buildContext(checkRequest({ method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const seen: Array<[string, string[]]> = [];
  walkInputs(c, o, (w, v) => seen.push([w, inspectValue(v, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return seen;
}
const filePart = (type: string | undefined, content: Buffer | string) => Buffer.concat([
  Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="up"; filename="notes.txt"\r\n${type === undefined ? '' : `Content-Type: ${type}\r\n`}\r\n`),
  Buffer.isBuffer(content) ? content : Buffer.from(content), Buffer.from('\r\n--XyZ--\r\n'),
]);
const XSS = '<script>alert(document.cookie)</script>';

/**
 * A multipart file part's content was read only when its declared type was on a list of its own (text/*,
 * application/json, application/xml, +json, +xml) — a shorter one than the body inspector's, and with no
 * sniffing: the same text uploaded as application/graphql, application/x-yaml, application/javascript,
 * application/octet-stream, a vendor type or no type at all (the part's type is the client's to choose,
 * and multer or Spring store the file whatever it says) went through unread, where the body inspector reads
 * a body of those types whole when it is text.
 */
describe('a multipart file part: its content is read when it is text, whatever type it declares', () => {
  for (const type of ['application/graphql', 'application/x-yaml', 'application/yaml', 'application/javascript', 'application/octet-stream', 'application/vnd.ms-excel', 'image/png', undefined]) {
    it(`${type ?? 'no Content-Type'}: text content is read`, () => {
      assert.deepEqual(walk(filePart(type, XSS)), [['multipart.up', ['xss']], ['multipart.up.filename', []]]);
    });
  }
  it('binary content (a PNG, NULs, bytes that are not UTF-8) is not read unless it declares a text type', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x3c, 0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x3e]);
    for (const type of ['image/png', 'application/octet-stream', undefined]) assert.deepEqual(walk(filePart(type, png)), [['multipart.up.filename', []]], type);
  });
  it('declared text types are read as before, in the charset they name', () => {
    for (const type of ['text/plain', 'application/json', 'application/xml', 'application/vnd.api+json', 'image/svg+xml']) {
      assert.deepEqual(walk(filePart(type, XSS)), [['multipart.up', ['xss']], ['multipart.up.filename', []]], type);
    }
    assert.deepEqual(walk(filePart('text/plain; charset=utf-16le', Buffer.from(XSS, 'utf16le'))), [['multipart.up', ['xss']], ['multipart.up.filename', []]]);
  });
});
