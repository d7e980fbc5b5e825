import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 64 * 1024, maxJsonDepth: 8, maxJsonValues: 100, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function families(head: string, content: string): string[] {
  const body = `--XyZ\r\n${head}\r\n\r\n${content}\r\n--XyZ--\r\n`;
  const c = buildContext(checkRequest({ method: 'POST', body, headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const out = new Set<string>();
  walkInputs(c, o, (_w, v) => { for (const f of inspectValue(v, DEFAULT_DETECTOR_OPTIONS)) out.add(f.family); });
  return [...out];
}
const XSS = '<script>alert(document.cookie)</script>';
const field = 'Content-Disposition: form-data; name="q"';

/**
 * A multipart part's Content-Transfer-Encoding was ignored: its content was read as sent. Go's mime/multipart
 * (ParseMultipartForm, FormValue) decodes quoted-printable parts, Django (and Werkzeug before 2.0) base64 ones,
 * so `=3Cscript=3E…` or base64 wrapped in lines reached those applications as the markup, read by nothing.
 */
describe('multipart: a part in a Content-Transfer-Encoding is read decoded too', () => {
  it('quoted-printable (Go decodes it): the text it spells, soft line breaks joined', () => {
    assert.deepEqual(families(`${field}\r\nContent-Transfer-Encoding: quoted-printable`, '=3Cscript=3Ealert(document.cookie)=3C/script=3E'), ['xss']);
    assert.deepEqual(families(`${field}\r\nContent-Transfer-Encoding: Quoted-Printable`, '=3cscr=\r\nipt=3ealert(document.cookie)=3c/scr=\nipt=3e'), ['xss']);
  });

  it('base64 (Django decodes it), wrapped in lines', () => {
    const b64 = Buffer.from(XSS).toString('base64').replace(/(.{12})/g, '$1\r\n');
    assert.deepEqual(families(`${field}\r\nContent-Transfer-Encoding: base64`, b64), ['xss']);
    const file = 'Content-Disposition: form-data; name="up"; filename="a.html"\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: BASE64';
    assert.deepEqual(families(file, b64), ['xss']);
  });

  it('a binary file in base64 is not read decoded; without the header nothing is decoded', () => {
    const png = Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR', 'latin1').toString('base64');
    assert.deepEqual(families('Content-Disposition: form-data; name="up"; filename="a.png"\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64', png), []);
    assert.deepEqual(families(field, '=3Cb=3E bold =3C/b=3E'), []);
  });
});
