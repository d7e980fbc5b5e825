import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 64 * 1024, maxJsonDepth: 8, maxJsonValues: 100, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function walk(body: string, contentType: string) {
  const c = buildContext(checkRequest({ method: 'POST', body: Buffer.from(body, 'latin1'), headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const seen: Array<[string, string]> = [];
  const lim = walkInputs(c, o, (w, v) => seen.push([w, v]));
  return { seen, lim };
}
const SQLI = "1' OR '1'='1";
const PNG = '\x89PNG\r\n\x1a\n\0\0\0\rIHDR <x>';

/**
 * Only multipart/form-data was read part by part: a body of another multipart type was read whole when it
 * was text and not at all when one part was binary. Spring (StandardServletMultipartResolver: any
 * `multipart/` type) on Tomcat's getParts() and Go's Request.MultipartReader read `multipart/mixed` as a
 * form, so a field beside an uploaded image reached the application unread.
 */
describe('multipart types other than form-data are read part by part', () => {
  it('multipart/mixed with a form-data field beside a binary file: the field is read', () => {
    const body = `--XyZ\r\nContent-Disposition: form-data; name="q"\r\n\r\n${SQLI}\r\n--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n${PNG}\r\n--XyZ--\r\n`;
    for (const ct of ['multipart/mixed; boundary=XyZ', 'Multipart/Related; boundary="XyZ"', 'multipart/alternative; boundary=XyZ']) {
      const { seen, lim } = walk(body, ct);
      assert.deepEqual(seen, [['multipart.q', SQLI], ['multipart.f.filename', 'a.png']], ct);
      assert.equal(lim.unparsedBody, undefined, ct);
    }
  });

  it('multipart/related: a part without a name is read when it is text (a JSON part value by value), not when binary', () => {
    const body = `--XyZ\r\nContent-Type: application/json\r\n\r\n{"title":"${SQLI}"}\r\n--XyZ\r\nContent-Type: application/octet-stream\r\n\r\n${PNG}\r\n--XyZ\r\n\r\nplain ${SQLI}\r\n--XyZ--\r\n`;
    assert.deepEqual(walk(body, 'multipart/related; boundary=XyZ; type="application/json"').seen, [['multipart.0', SQLI], ['multipart.2', `plain ${SQLI}`]]);
  });
});

/**
 * A form-data part of type multipart/mixed (RFC 2388's several files under one name) was read as one value,
 * and not at all when one of its files was binary. Commons FileUpload (Tomcat's getParts, Spring) reads its
 * inner parts as files of the outer name: their filenames (getOriginalFilename) and text went unread.
 */
describe('a form-data part of type multipart/mixed: its inner files are read', () => {
  const body = (inner: string) => `--XyZ\r\nContent-Disposition: form-data; name="files"\r\nContent-Type: multipart/mixed; boundary=In\r\n\r\n${inner}--In--\r\n--XyZ--\r\n`;
  const file = (name: string, type: string, content: string) => `--In\r\nContent-Disposition: file; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n`;

  it('each inner file by its filename, its content when text, under the outer name', () => {
    const { seen } = walk(body(file('../../../etc/passwd', 'image/png', PNG) + file('a.txt', 'text/plain', SQLI)), 'multipart/form-data; boundary=XyZ');
    // (the part's own text first, as a field: Go, busboy and PHP read it so)
    assert.equal(seen[0]![0], 'multipart.files');
    assert.deepEqual(seen.slice(1), [['multipart.files.filename', '../../../etc/passwd'], ['multipart.files', SQLI], ['multipart.files.filename', 'a.txt']]);
  });

  it('one level only (FileUpload reads no deeper)', () => {
    const deeper = `--In\r\nContent-Disposition: file; filename="x"\r\nContent-Type: multipart/mixed; boundary=Deep\r\n\r\n--Deep\r\nContent-Disposition: file; filename="deep.txt"\r\n\r\nhello\r\n--Deep--\r\n\r\n`;
    const { seen } = walk(body(deeper), 'multipart/form-data; boundary=XyZ');
    assert.ok(!seen.some(([w, v]) => w === 'multipart.files.filename' && v === 'deep.txt'), JSON.stringify(seen));
  });
});
