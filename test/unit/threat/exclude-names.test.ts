import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../../../src/threat/detectors/index.js';
import { compileExclusions, parseExclusions, type ExcludeEntry } from '../../../src/threat/exclude.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest, type ReqSpec } from '../helpers.js';

/**
 * Exclusions name inputs by the `where` of their findings; the client chooses the names (JSON keys,
 * multipart field names), so no name a client can choose may read as another, excluded, input.
 */
const XSS = '<script>alert(document.cookie)</script>';
const o: InputOptions = { headers: ['cookie'], maxValueBytes: 64 * 1024, maxTotalBytes: 512 * 1024, maxJsonDepth: 4, maxJsonValues: 5000, maxParts: 100, inspectPath: true, inspectQuery: true, inspectBody: true };
const ex = (list: ExcludeEntry[]) => compileExclusions([], parseExclusions(list, '/x', o), DEFAULT_DETECTOR_OPTIONS);
function read(r: ReqSpec, list: ExcludeEntry[]): string[] {
  const seen: string[] = [];
  const ctx = buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  walkInputs(ctx, o, (_w, v) => { if (v === XSS) seen.push(v); }, ex(list));
  return seen;
}
const json = (doc: unknown): ReqSpec => ({ method: 'POST', path: '/', body: JSON.stringify(doc), headers: { 'content-type': 'application/json' } });

describe('exclude: a JSON key cannot spell another, excluded, path', () => {
  const cases: Array<[string, string, unknown]> = [
    ['a key with a dot', 'body.$.meta.content', { 'meta.content': XSS }],
    ['a key with an index', 'body.$.items[0]', { 'items[0]': XSS }],
    ['a key with an index, against [*]', 'body.$.items[*]', { 'items[7]': XSS }],
    ['a key literally [*]', 'body.$.items[*]', { 'items[*]': XSS }],
    ['a key .* against a depth cut', 'body.$.a..*', { a: { '.*': XSS } }],
    ['an empty key then *', 'body.$.a..*', { a: { '': { '*': XSS } } }],
  ];
  for (const [what, input, doc] of cases) {
    it(`${what} (${JSON.stringify(doc)} is not ${input})`, () => {
      assert.deepEqual(read(json(doc), [{ input }]), [XSS]);
    });
  }

  it('the excluded paths themselves still are excluded', () => {
    assert.deepEqual(read(json({ meta: { content: XSS }, items: [XSS, XSS] }), [{ input: 'body.$.meta.content' }, { input: 'body.$.items[*]' }]), []);
    assert.deepEqual(read(json({ a: { b: { c: { d: { e: XSS } } } } }), [{ input: 'body.$.a.b.c.d..*' }]), []);
  });
});
describe('exclude: a multipart field name cannot spell another part\'s filename', () => {
  const mp = (name: string, filename?: string) => ['--B', `Content-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}`, 'Content-Type: text/plain', '', XSS, '--B--', ''].join('\r\n');
  const req = (body: string): ReqSpec => ({ method: 'POST', path: '/', body, headers: { 'content-type': 'multipart/form-data; boundary=B' } });

  it('a field named "avatar.filename" is not the filename of avatar', () => {
    assert.deepEqual(read(req(mp('avatar.filename')), [{ input: 'multipart.avatar.filename' }]), [XSS]);
  });

  it('the filename of avatar still is excluded', () => {
    const body = ['--B', `Content-Disposition: form-data; name="avatar"; filename="${XSS}"`, 'Content-Type: image/png', '', 'PNG', '--B--', ''].join('\r\n');
    assert.deepEqual(read(req(body), [{ input: 'multipart.avatar.filename' }]), []);
    assert.deepEqual(read(req(body), []), [XSS]);
  });
});

describe('exclude: multipart names holding odd bytes', () => {
  it('a field name with a NUL or the filename key spelled out is no filename either', () => {
    const mp = (name: string) => ['--B', `Content-Disposition: form-data; name="${name}"`, '', XSS, '--B--', ''].join('\r\n');
    const req = (body: string): ReqSpec => ({ method: 'POST', path: '/', body, headers: { 'content-type': 'multipart/form-data; boundary=B' } });
    for (const name of ['avatar\0filename', 'avatar\0.filename']) assert.deepEqual(read(req(mp(name)), [{ input: 'multipart.avatar.filename' }]), [XSS], JSON.stringify(name));
  });
});

describe('exclude: an entry with an index and a [*] together', () => {
  it('would never apply (the lookup tries the exact name, then every index as [*]): refused with its pointer', () => {
    for (const input of ['body.$.a[0].b[*]', 'body.$.a[*].b[2]', 'query.t[*][1]']) {
      assert.throws(() => parseExclusions([{ input: 'query.q' }, { input }], '/x', o), (e: any) => e.path === '/x/1/input' && /\[\*\]/.test(e.message), input);
    }
    for (const input of ['body.$.a[0].b[1]', 'body.$.a[*].b[*]']) assert.equal(parseExclusions([{ input }], '/x', o).length, 1, input);
  });
});

describe('exclude: "body" (a text body) does not cover a JSON or multipart body that did not parse', () => {
  it('JSON another parser reads (Python\'s json takes NaN) is still read when "body" is excluded', () => {
    const req: ReqSpec = { method: 'POST', path: '/', body: `{"q": "${XSS.replace(/"/g, '\\"')}", "n": NaN}`, headers: { 'content-type': 'application/json' } };
    const seen: string[] = [];
    const ctx = buildContext(checkRequest(req), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
    walkInputs(ctx, o, (w) => { seen.push(w); }, ex([{ input: 'body' }]));
    assert.deepEqual(seen, ['body']);
  });
  it('multipart without a delimiter Portcullis finds is still read when "body" is excluded', () => {
    const req: ReqSpec = { method: 'POST', path: '/', body: `--X\r\nContent-Disposition: form-data; name="q"\r\n\r\n${XSS}\r\n--X--`, headers: { 'content-type': 'multipart/form-data; boundary=B' } };
    const seen: string[] = [];
    const ctx = buildContext(checkRequest(req), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
    walkInputs(ctx, o, (w) => { seen.push(w); }, ex([{ input: 'body' }]));
    assert.deepEqual(seen, ['body']);
  });
  it('a text body still is excluded', () => {
    assert.deepEqual(read({ method: 'POST', path: '/', body: XSS, headers: { 'content-type': 'text/plain' } }, [{ input: 'body' }]), []);
  });
});
