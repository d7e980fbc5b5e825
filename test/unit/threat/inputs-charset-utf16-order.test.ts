import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest } from '../helpers.js';

const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: 100_000, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function families(body: Buffer | string, contentType: string): string[] {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/x', body, headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const out = new Set<string>();
  walkInputs(ctx, o, (_w, value) => { for (const f of inspectValue(value, DEFAULT_DETECTOR_OPTIONS)) out.add(f.family); });
  return [...out].sort();
}
const SQLI = "1' union select password from users--";
const be = (s: string) => Buffer.from(s, 'utf16le').swap16();
const le = (s: string) => Buffer.from(s, 'utf16le');
const pct = (b: Buffer) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');

/**
 * A UTF-16 body's byte order was told by its first two bytes (a BOM, or where a NUL falls) even against the
 * label: a `utf-16le` body that opens with `00 41` was read big-endian, one that opens with FE FF too; and a
 * `utf-16` body (no order in the label: Java reads it big-endian, .NET and Python little-endian) that opens
 * with a character that has no NUL byte was read little-endian. The payload after it, in the order the
 * application reads, reached the detectors as CJK text: the request passed.
 */
describe('UTF-16 in the byte order the application reads', () => {
  it('utf-16le with a first character that looks big-endian, or a big-endian BOM: the little-endian text is read', () => {
    assert.deepEqual(families(Buffer.concat([Buffer.from([0x00, 0x41]), le(SQLI)]), 'text/plain; charset=utf-16le'), ['sqli']);
    assert.deepEqual(families(Buffer.concat([Buffer.from([0xfe, 0xff]), le(SQLI)]), 'text/plain; charset=utf-16le'), ['sqli']);
  });

  it('utf-16be with a little-endian BOM: the big-endian text is read', () => {
    assert.deepEqual(families(Buffer.concat([Buffer.from([0xff, 0xfe]), be(SQLI)]), 'text/plain; charset=UTF-16BE'), ['sqli']);
  });

  it('utf-16 (no order named) opening with a character without NULs: both orders read', () => {
    assert.deepEqual(families(Buffer.concat([be('中'), be(SQLI)]), 'text/plain; charset=utf-16'), ['sqli']);
    assert.deepEqual(families(Buffer.concat([le('中'), le(SQLI)]), 'text/plain; charset=utf-16'), ['sqli']);
  });

  it('a form value in utf-16 the same way', () => {
    assert.deepEqual(families(`q=${pct(Buffer.concat([be('中'), be(SQLI)]))}`, 'application/x-www-form-urlencoded; charset=utf-16'), ['sqli']);
    assert.deepEqual(families(`q=${pct(Buffer.concat([Buffer.from([0, 0x41]), le(SQLI)]))}`, 'application/x-www-form-urlencoded; charset=utf-16le'), ['sqli']);
  });

  it('benign UTF-16 text in either order, with or without a BOM: nothing found', () => {
    const text = 'Grüße aus München — 東京からこんにちは, price 100 € (20% off)';
    for (const [b, cs] of [[le(text), 'utf-16le'], [be(text), 'utf-16be'], [Buffer.concat([Buffer.from([0xff, 0xfe]), le(text)]), 'utf-16'], [Buffer.concat([Buffer.from([0xfe, 0xff]), be(text)]), 'utf-16'], [be(text), 'utf-16']] as Array<[Buffer, string]>) {
      assert.deepEqual(families(b, `text/plain; charset=${cs}`), [], cs);
    }
  });
});
