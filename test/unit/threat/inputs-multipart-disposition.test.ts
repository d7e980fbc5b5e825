import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 64 * 1024, maxJsonDepth: 8, maxJsonValues: 100, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function walk(head: string, content: string): Array<[string, string[]]> {
  const body = `--XyZ\r\n${head}\r\n\r\n${content}\r\n--XyZ--\r\n`;
  const c = buildContext(checkRequest({ method: 'POST', body: Buffer.from(body, 'latin1'), headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const seen: Array<[string, string[]]> = [];
  walkInputs(c, o, (w, v) => seen.push([w, inspectValue(v, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return seen;
}
// a control character makes the content binary: a file part's binary content is not read
const SQLI = "' OR 1=1--\x01";
const XSS = '<script>alert(1)</script>\x01';

/**
 * A part was a file when `filename=` appeared anywhere in its header block: in another header, in the part's
 * Content-Type parameters, inside a quoted parameter of its Content-Disposition. busboy, Go, PHP, Werkzeug,
 * Django and Commons FileUpload read the filename from the Content-Disposition's own parameters only, so
 * to them the part is a form field: its value (with one control character, so "binary") went to the
 * application unread. Likewise its `name=`, which names the input exclusions are looked up by. And of a
 * `filename` and a `filename*` (RFC 5987) only the first was read: busboy and Go use `filename*`.
 */
describe('multipart: the filename and name are the Content-Disposition parameters, as parsers read them', () => {
  it('a filename= outside the Content-Disposition parameters does not make the part a file: its value is read', () => {
    for (const head of [
      'Content-Disposition: form-data; name="q"\r\nContent-Type: application/octet-stream; filename=a.bin',
      'Content-Disposition: form-data; name="q"\r\nX-Note: ; filename=a.bin',
      'Content-Disposition: form-data; name="q"; x="; filename=a.bin"',
      'Content-Disposition: form-data; name="q"; x="a\\"; filename=a.bin"',
    ]) {
      assert.deepEqual(walk(head, SQLI), [['multipart.q', ['sqli']]], head);
    }
  });

  it('the name is the name parameter, not name= in another header or inside a quoted value', () => {
    for (const head of [
      'X-Note: name=html\r\nContent-Disposition: form-data; name="q"',
      'Content-Disposition: form-data; x="; name=html"; name="q"',
      'Content-Disposition: form-data; NAME = "q"',
    ]) {
      assert.deepEqual(walk(head, XSS), [['multipart.q', ['xss']]], head);
    }
  });

  it('two Content-Disposition headers (parsers take the first or the last): read as a field', () => {
    const seen = walk('Content-Disposition: form-data; name="q"; filename="a.bin"\r\nContent-Disposition: form-data; name="q"', SQLI);
    assert.ok(seen.some(([w, f]) => w === 'multipart.q' && f.includes('sqli')), JSON.stringify(seen));
  });

  // Go, PHP and Commons FileUpload join a folded header line to the one before; a reader without obs-fold support does not (obsolete since RFC 7230)
  it('a Content-Disposition folded over lines (parsers differ on folding): read as a field', () => {
    const seen = walk('Content-Disposition: form-data; name="q";\r\n filename="a.bin"', SQLI);
    assert.ok(seen.some(([w, f]) => w === 'multipart.q' && f.includes('sqli')), JSON.stringify(seen));
  });

  it('filename* (RFC 5987, which busboy and Go prefer) is read beside filename, decoded', () => {
    const seen = walk(`Content-Disposition: form-data; name="up"; filename="a.png"; filename*=UTF-8''..%2F..%2F..%2Fetc%2Fpasswd\r\nContent-Type: image/png`, '\x89PNG\0');
    assert.deepEqual(seen.map(([w]) => w), ['multipart.up.filename', 'multipart.up.filename']);
    assert.ok(seen[1]![1].includes('traversal'), JSON.stringify(seen));
  });

  it('a real file part: a quoted filename with ; and an escaped quote, its binary content not read', () => {
    assert.deepEqual(walk('Content-Disposition: form-data; name="up"; filename="a;b \\"c\\".png"\r\nContent-Type: image/png', '\x89PNG\0 <x>'), [['multipart.up.filename', []]]);
    const bare = walk('content-disposition:form-data;name=up;filename=../../etc/passwd', '\x89PNG\0');
    assert.deepEqual(bare.map(([w]) => w), ['multipart.up.filename']);
    assert.ok(bare[0]![1].includes('traversal'));
  });
});
