import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { jsonEncoding, jsonText } from '../../../src/threat/json-text.js';
import { checkRequest } from '../helpers.js';
import { utf16be, utf32 } from './unicode-encodings.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: true, inspectBody: true };

const BOM16LE = Buffer.from([0xff, 0xfe]);
const BOM16BE = Buffer.from([0xfe, 0xff]);

/** Each JSON string the walk reads, with the families found in it. */
function read(body: Buffer, contentType = 'application/json'): Array<[string, string, string[]]> {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/api/items', body, headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const out: Array<[string, string, string[]]> = [];
  walkInputs(ctx, o, (where, value) => out.push([where, value, inspectValue(value, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)]));
  return out;
}

/**
 * Jackson (Spring's @RequestBody) and Python's json.loads of bytes read a JSON body in UTF-16 or UTF-32,
 * told by its first bytes (RFC 4627 §3) or a byte order mark, with no charset parameter. The body was
 * read as UTF-8: not JSON, so inspected as text with a NUL after every character, where the SQL reader
 * saw single letters — `' union select … --` in a UTF-16 body went through with a 0.4 "unparsed" record.
 */
describe('JSON bodies in UTF-16 and UTF-32', () => {
  const doc = JSON.stringify({ name: 'alice', comment: "1' union select pwd from staff-- ", note: 'café ☕ 𝄞' });
  const encodings: Array<[string, Buffer, string]> = [
    ['UTF-16LE', Buffer.from(doc, 'utf16le'), 'utf16le'],
    ['UTF-16LE with BOM', Buffer.concat([BOM16LE, Buffer.from(doc, 'utf16le')]), 'utf16le'],
    ['UTF-16BE', utf16be(doc), 'utf16be'],
    ['UTF-16BE with BOM', Buffer.concat([BOM16BE, utf16be(doc)]), 'utf16be'],
    ['UTF-32LE', utf32(doc, true), 'utf32le'],
    ['UTF-32BE with BOM', utf32(`\ufeff${doc}`, false), 'utf32be'],
  ];
  for (const [name, body, enc] of encodings) {
    it(`${name}: told by its first bytes, decoded to the same text`, () => {
      assert.equal(jsonEncoding(body), enc);
      assert.equal(jsonText(body), doc);
    });
    it(`${name}: each string value is read, and the SQL injection in it found`, () => {
      const r = read(body);
      assert.deepEqual(r.map(([w, v]) => [w, v]), [['body.$.name', 'alice'], ['body.$.comment', "1' union select pwd from staff-- "], ['body.$.note', 'café ☕ 𝄞']]);
      assert.deepEqual(r[1]![2], ['sqli']);
    });
  }

  it('UTF-8 stays UTF-8 (with or without a leading blank), and the shortest bodies too', () => {
    for (const s of [doc, ` ${doc}`, '\n[1]', '{}', '[]', '"x"', '1']) assert.equal(jsonEncoding(Buffer.from(s)), 'utf8', s);
    assert.equal(jsonText(Buffer.from(doc)), doc);
    assert.equal(jsonEncoding(Buffer.from('{')), 'utf8');
  });

  it('code units that are no character decode to U+FFFD, and an odd trailing byte is dropped', () => {
    const bad = Buffer.concat([utf32('["', true), Buffer.from([0x00, 0xd8, 0, 0]), utf32('"]', true)]);
    assert.equal(jsonText(bad), '["\ufffd"]');
    assert.equal(jsonText(Buffer.concat([Buffer.from('[1]', 'utf16le'), Buffer.from([0x41])])), '[1]');
  });

  it('a UTF-16 body sent without a content type is read as JSON too', () => {
    const r = read(utf16be(doc), '');
    assert.deepEqual(r.map(([w]) => w), ['body.$.name', 'body.$.comment', 'body.$.note']);
  });
});
