import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { walkInputs, type InputLimits, type InputOptions } from '../../../src/threat/inputs.js';
import { checkRequest } from '../helpers.js';

const BUDGET = 100_000;
const o: InputOptions = { headers: [], maxValueBytes: 4096, maxTotalBytes: BUDGET, maxJsonDepth: 8, maxJsonValues: 50, maxParts: 10, inspectPath: false, inspectQuery: false, inspectBody: true };
function read(body: string | Buffer, contentType: string): { families: string[]; lim: InputLimits } {
  const ctx = buildContext(checkRequest({ method: 'POST', path: '/x', body, headers: { 'content-type': contentType } }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const families: string[] = [];
  const lim = walkInputs(ctx, o, (_where, value) => families.push(...inspectValue(value, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family)));
  return { families, lim };
}
const XSS_UTF7 = '+ADw-script+AD4-alert(1)+ADw-/script+AD4-';
const MB = 1024 * 1024;
const part = (content: string) => `--XyZ\r\nContent-Disposition: form-data; name="q"\r\nContent-Type: text/plain; charset=utf-7\r\n\r\n${content}\r\n--XyZ--\r\n`;

/**
 * iconv-lite decodes UTF-7 shift by shift (two decodes and a Buffer for each `+…-`): about 0.7 µs a byte
 * of `+ADw-+ADw-…`, against 0.01 µs for the other charsets. A UTF-7 text body, multipart part or form of
 * 4 MiB (the default request_limits.max_body_bytes) was decoded whole before the inspection budget
 * (max_total_bytes) cut what is read: about 2 s of CPU for one request, while every other Check waited
 * (Envoy's ext_authz timeout fails them closed). The work is measured here as bytes handed to the UTF-7
 * decoder, not as time.
 */
describe('a body in UTF-7 costs no more decoding than the inspection budget allows', () => {
  const real = iconv.decode;
  let decoded = 0;
  before(() => {
    iconv.decode = ((b: Buffer, enc: string, opts?: unknown) => {
      if (/^utf-?7/i.test(enc)) decoded += b.length;
      return real.call(iconv, b, enc, opts as never);
    }) as typeof iconv.decode;
  });
  after(() => { iconv.decode = real; });

  for (const [name, body, ct] of [
    ['a text body', '+ADw-'.repeat(MB / 5), 'text/plain; charset=utf-7'],
    ['a multipart part', part('+ADw-'.repeat(MB / 5)), 'multipart/form-data; boundary=XyZ'],
    ['a form field', `q=${'%2BADw-'.repeat(MB / 7)}`, 'application/x-www-form-urlencoded; charset=utf-7'],
  ] as const) {
    it(`${name} of 1 MiB: at most the budget's worth of bytes decoded, and the budget counts as exhausted`, () => {
      decoded = 0;
      const { lim } = read(body, ct);
      assert.ok(decoded > 0, 'read as UTF-7');
      // (plus the charset's one-off probe when first seen, and a form's field name)
      assert.ok(decoded <= BUDGET + 256, `${decoded} bytes decoded for a budget of ${BUDGET}`);
      assert.equal(lim.budgetExhausted, true);
    });
  }

  it('padding that decodes to nothing ("+A-") cannot push a payload past the budget unnoticed', () => {
    for (const ct of ['text/plain; charset=utf-7', 'multipart/form-data; boundary=XyZ']) {
      const text = '+A-'.repeat(BUDGET) + XSS_UTF7;
      const { families, lim } = read(ct.startsWith('multipart') ? part(text) : text, ct);
      assert.ok(lim.budgetExhausted || families.includes('xss'), ct);
    }
  });

  it('a UTF-7 body within the budget is still decoded whole: the script at its end is found', () => {
    decoded = 0;
    const { families, lim } = read('+AGE-'.repeat(2000) + XSS_UTF7, 'text/plain; charset=utf-7');
    assert.ok(families.includes('xss'));
    assert.equal(lim.budgetExhausted, false);
  });
});
