import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue, MAX_URL_ROUNDS } from '../../../src/threat/decode/normalize.js';
import { collapsePercent } from '../../../src/threat/decode/percent.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';

/** Percent-encode every '%' again (one more round of encoding), `times` times. */
const again = (s: string, times: number) => { let t = s; for (let i = 0; i < times; i++) t = t.replace(/%/g, '%25'); return t; };
const encodeAll = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const families = (v: string) => inspectValue(v, DEFAULT_DETECTOR_OPTIONS).map((f) => f.family).sort();
/** The families of the payload, and traversal where the value is still encoded after the last round (decode-deep-evidence.test.ts). */
const deep = (fam: string[], v: string) => (decodeValue(v).depth > MAX_URL_ROUNDS ? [...new Set([...fam, 'traversal'])].sort() : fam);

/**
 * The decoder stopped after MAX_URL_ROUNDS (4) rounds: a payload percent-encoded five or more times over
 * reached the detectors still encoded (`..%252525252f` read as text with a few % signs), so
 * `..%2f..%2fetc%2fpasswd` encoded five times was scored 0.9 instead of 0.95 and six times not at all; an
 * application that decodes until nothing changes reads the payload. What is still encoded after the last
 * round is now decoded to the end in one linear pass (collapsePercent).
 */
describe('a value percent-encoded more than MAX_URL_ROUNDS times', () => {
  const payloads: Array<[string, string[]]> = [
    ['..%2f..%2f..%2fetc%2fpasswd', ['cmdi', 'traversal']],
    [encodeAll('<script>alert(document.cookie)</script>'), ['xss']],
    [encodeAll("1' union select password from users-- "), ['sqli']],
  ];
  for (const [p, fam] of payloads) {
    for (const times of [0, 3, 4, 5, 8, 20]) {
      it(`${p.slice(0, 24)}… encoded ${times + 1} times: the same families as encoded once (and the evidence past four rounds)`, () => {
        assert.deepEqual(families(again(p, times)), deep(fam, again(p, times)));
      });
    }
  }

  it('decodes to the end, and depth says how deep', () => {
    for (const times of [4, 5, 9, 40]) {
      const d = decodeValue(again('..%2fetc%2fpasswd', times));
      assert.equal(d.url, '../etc/passwd', String(times));
      assert.ok(d.depth > MAX_URL_ROUNDS, String(times));
    }
  });

  it('collapsePercent: the fixed point of repeated %XX decoding, multi-byte UTF-8 and overlong forms as a round decodes them', () => {
    assert.equal(collapsePercent('%2525252e%252e%2f').text, '../');
    assert.equal(collapsePercent('%25%32%35%32%65').text, '.');
    assert.equal(collapsePercent('%%2541').text, '%A');
    assert.equal(collapsePercent('%25e2%2582%25ac 100%').text, '€ 100%');
    const o = collapsePercent('%25c0%25ae%25c0%25ae%252f');
    assert.equal(o.text, '../');
    assert.equal(o.overlong, 2);
    assert.equal(collapsePercent('plain text, 100% sure').text, 'plain text, 100% sure');
  });

  it('values that need no more than four rounds decode as before', () => {
    assert.equal(decodeValue('%25252e').depth, 3);
    assert.equal(decodeValue(again('%2e', 3)).url, '.');
    assert.equal(decodeValue(again('%2e', 3)).depth, 4);
    assert.equal(decodeValue('100%25 sure').url, '100% sure');
  });

  it('linear: a value of deep chains costs one pass per round plus one (decoding work counted, not timed)', () => {
    // 4000 levels of %25 in front of one escape: rounds alone would need 4000 passes over ~8000 characters
    const deep = again('%2e', 4000);
    const r = collapsePercent(deep);
    assert.equal(r.text, '.');
    assert.ok(r.steps <= 2 * deep.length, `${r.steps} steps for ${deep.length} characters`);
  });
});
