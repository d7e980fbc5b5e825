import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue, MAX_URL_ROUNDS } from '../../../src/threat/decode/normalize.js';
import { collapsePercent } from '../../../src/threat/decode/percent.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';

/** Percent-encode every '%' again (one more round of encoding), `times` times. */
const again = (s: string, times: number) => { let t = s; for (let i = 0; i < times; i++) t = t.replace(/%/g, '%25'); return t; };
const families = (v: string) => inspectValue(v, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family).sort();
/** The families of the payload, and traversal where the value is still encoded after the last round (decode-deep-evidence.test.ts). */
const deep = (fam: string[], v: string) => (decodeValue(v).depth > MAX_URL_ROUNDS ? [...new Set([...fam, 'traversal'])].sort() : fam);

/**
 * A round decodes IIS `%uXXXX` escapes as well as `%XX`; past the fourth round collapsePercent decoded `%XX`
 * only, so a `%u` escape under four or more `%25` layers came out as `%u003c…` text: a script or traversal
 * encoded so reached the detectors still encoded (no finding), while an application decoding until nothing
 * changes (JavaScript's unescape in a loop, IIS) reads the payload.
 */
describe('%uXXXX escapes past the fourth round', () => {
  const XSS = '%u003cscript%u003ealert(document.cookie)%u003c/script%u003e';
  const TRAV = '..%u002f..%u002f..%u002fetc%u002fpasswd';
  for (const times of [0, 3, 4, 5, 9]) {
    it(`a %u script and a %u traversal under ${times} layers of %25: found as encoded once (and the evidence past four rounds)`, () => {
      assert.deepEqual(families(again(XSS, times)), deep(families(XSS), again(XSS, times)));
      assert.ok(families(XSS).includes('xss'));
      assert.deepEqual(families(again(TRAV, times)), deep(families(TRAV), again(TRAV, times)));
      assert.ok(families(TRAV).includes('traversal'));
    });
  }

  it('collapsePercent decodes %u (and what it spells completes another escape), counted as unicode', () => {
    const r = collapsePercent('%25u003c%2525u00252e%u0025%32%45');
    assert.equal(r.text, '<..');
    assert.equal(r.unicode, 3);
    assert.equal(decodeValue(again('%u002e%u002e%u002f', 6)).url, '../');
    assert.ok(decodeValue(again('%u002e', 6)).unicode > 0);
    // not an escape: left as it is
    assert.equal(collapsePercent('%25u00zz and %u12').text, '%u00zz and %u12');
  });

  it('linear with %u too (steps counted, not timed)', () => {
    const deep = again('%u002e', 3000);
    const r = collapsePercent(deep);
    assert.equal(r.text, '.');
    assert.ok(r.steps <= 2 * deep.length, `${r.steps} steps for ${deep.length} characters`);
  });
});
