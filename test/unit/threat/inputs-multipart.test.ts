import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 64 * 1024, maxJsonDepth: 8, maxJsonValues: 100, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function walk(body: string, contentType = 'multipart/form-data; boundary=XyZ') {
  const c = buildContext(checkRequest({ method: 'POST', body, headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const seen: Array<[string, string]> = [];
  const lim = walkInputs(c, o, (w, v) => seen.push([w, v]));
  return { seen, lim };
}
const part = (head: string, content: string, nl = '\r\n') => `--XyZ${nl}${head.split('\n').join(nl)}${nl}${nl}${content}${nl}`;
const field = (name: string, extra = '') => `Content-Disposition: form-data; name="${name}"${extra}`;
const SQLI = "1' OR '1'='1";

describe('multipart bodies', () => {
  it('a part without a filename is a field: its text is read whatever type it declares', () => {
    for (const type of ['', '\nContent-Type: application/octet-stream', '\nContent-Type: application/x-www-form-urlencoded', '\nContent-Type: image/png']) {
      const { seen } = walk(part(field('q') + type, SQLI) + '--XyZ--\r\n');
      assert.deepEqual(seen, [['multipart.q', SQLI]], type);
    }
  });

  it('a file part by its filename, its content only when text; an empty filename is a field', () => {
    const body = part(field('f', '; filename="a.png"') + '\nContent-Type: image/png', '\x89PNG\r\n\x1a\n\0\0\0\rIHDR <x>') +
      part(field('t', '; filename="a.txt"') + '\nContent-Type: text/plain', 'hello there') +
      part(field('e', '; filename=""') + '\nContent-Type: application/octet-stream', SQLI) + '--XyZ--\r\n';
    assert.deepEqual(walk(body).seen, [['multipart.f.filename', 'a.png'], ['multipart.t', 'hello there'], ['multipart.t.filename', 'a.txt'], ['multipart.e', SQLI]]);
  });

  it('accepts LF-only line endings, transport padding after a delimiter, a preamble and an epilogue', () => {
    const lf = `preamble\n${part(field('a'), 'one', '\n')}--XyZ \t\n${field('b')}\n\n${SQLI}\n--XyZ--\nepilogue <script>`;
    const { seen, lim } = walk(lf);
    assert.deepEqual(seen, [['multipart.a', 'one'], ['multipart.b', SQLI]]);
    assert.equal(lim.unparsedBody, undefined);
  });

  // busboy (multer) and Go take the line end of the first delimiter line for all of them: after a CRLF one, a
  // `\n--XyZ` is part of the content (PHP ends the part there). Split at it, a field's value ending in a
  // "binary file" (a NUL) was read as two parts, and the file's content, the field's to busboy, not at all
  it('after a CRLF delimiter line, a delimiter after a bare LF (parsers disagree): the body is read as text', () => {
    const file = `Content-Disposition: form-data; name="z"; filename="x.bin"\r\n\r\n${SQLI}\0`;
    for (const body of [
      `--XyZ\r\n${field('q')}\r\n\r\na\n--XyZ\r\n${file}\r\n--XyZ--\r\n`,
      `--XyZ\r\n${field('q')}\r\n\r\na\r\n--XyZ\n${file}\r\n--XyZ--\r\n`,
    ]) {
      const { seen, lim } = walk(body);
      assert.equal(lim.unparsedBody, 'multipart', JSON.stringify(body));
      assert.ok(seen.some(([w, v]) => w === 'body' && v.includes(SQLI)), JSON.stringify(seen));
    }
  });

  it('does not split at the boundary inside a line, and keeps a body cut short', () => {
    const { seen } = walk(part(field('a'), 'x --XyZ y') + part(field('b'), 'cut sho'));
    assert.deepEqual(seen, [['multipart.a', 'x --XyZ y'], ['multipart.b', 'cut sho\r\n']]);
  });

  it('a body it cannot parse is read as raw text and recorded', () => {
    for (const [body, ct] of [
      [`${field('q')}\r\n\r\n${SQLI}`, 'multipart/form-data'], // no boundary parameter
      [`${field('q')}\r\n\r\n${SQLI}`, 'multipart/form-data; boundary=XyZ'], // no delimiter
      [part(field('q'), 'x') + `--XyZabc\r\n${field('r')}\r\n\r\n${SQLI}\r\n--XyZ--`, 'multipart/form-data; boundary=XyZ'], // a line that is almost a delimiter
    ]) {
      const { seen, lim } = walk(body!, ct);
      assert.equal(lim.unparsedBody, 'multipart');
      assert.ok(seen.some(([w, v]) => w === 'body' && v.includes(SQLI)), ct);
    }
    const headless = walk(`--XyZ\r\n${SQLI}\r\n--XyZ--`);
    assert.equal(headless.lim.unparsedBody, 'multipart');
    assert.deepEqual(headless.seen, [['multipart.0', SQLI]]);
  });
});

describe('multipart boundary parameter', () => {
  // the fake part: a PNG whose "content" is the real form as the application's parser reads it
  const smuggled = (fake: string, real: string) => [`--${fake}`, 'Content-Disposition: form-data; name="f"; filename="a.png"', 'Content-Type: image/png', '',
    `--${real}`, 'Content-Disposition: form-data; name="q"', '', SQLI, `--${real}--`, `--${fake}--`, ''].join('\r\n');

  it('only a parameter named boundary is the boundary (not xboundary=…): the real fields are read', () => {
    const { seen } = walk(smuggled('AAA', 'BBB'), 'multipart/form-data; xboundary=AAA; boundary=BBB');
    assert.ok(seen.some(([, v]) => v.includes(SQLI)), JSON.stringify(seen));
  });

  it('two boundary parameters (parsers differ on which wins): the body is read as text', () => {
    for (const ct of ['multipart/form-data; boundary=AAA; boundary=BBB', 'multipart/form-data; boundary="AAA"; BOUNDARY=BBB']) {
      const { seen, lim } = walk(smuggled('AAA', 'BBB'), ct);
      assert.ok(seen.some(([, v]) => v.includes(SQLI)), `${ct}: ${JSON.stringify(seen)}`);
      assert.equal(lim.unparsedBody, 'multipart', ct);
    }
  });

  // PHP (rfc1867.c) takes the text after the first "boundary" anywhere in the header, up to `;` or `,`: with
  // `xboundary=REAL; boundary=FAKE` it reads the form inside what every other parser (and this reader) takes
  // for a PNG, whose binary content was not read
  it('a Content-Type from which PHP takes another boundary: the body is read as text', () => {
    const binary = (fake: string, real: string) => [`--${fake}`, 'Content-Disposition: form-data; name="f"; filename="a.png"', 'Content-Type: image/png', '',
      '\x89PNG\0', `--${real}`, 'Content-Disposition: form-data; name="q"', '', SQLI, `--${real}--`, `--${fake}--`, ''].join('\r\n');
    for (const ct of ['multipart/form-data; xboundary=BBB; boundary=AAA', 'multipart/form-data; a="boundary=BBB"; boundary=AAA', 'multipart/form-data; boundary=AAA,BBB']) {
      const { seen, lim } = walk(binary('AAA', 'BBB'), ct);
      assert.ok(seen.some(([, v]) => v.includes(SQLI)), `${ct}: ${JSON.stringify(seen)}`);
      assert.equal(lim.unparsedBody, 'multipart', ct);
    }
  });

  it('one boundary parameter, quoted or not, after other parameters or first', () => {
    for (const ct of ['multipart/form-data; boundary=XyZ', 'multipart/form-data;boundary="XyZ"', 'multipart/form-data; charset=utf-8; boundary=XyZ', 'Multipart/Form-Data; BOUNDARY=XyZ']) {
      const { seen, lim } = walk(part(field('q'), 'hello') + '--XyZ--\r\n', ct);
      assert.deepEqual(seen, [['multipart.q', 'hello']], ct);
      assert.equal(lim.unparsedBody, undefined, ct);
    }
  });
});
