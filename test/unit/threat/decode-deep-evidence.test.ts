import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue, MAX_URL_ROUNDS } from '../../../src/threat/decode/normalize.js';
import { collapsePercent, percentDecodeOnce } from '../../../src/threat/decode/percent.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';

/** Percent-encode every '%' again (one more round of encoding), `times` times. */
const again = (s: string, times: number) => { let t = s; for (let i = 0; i < times; i++) t = t.replace(/%/g, '%25'); return t; };
/** Every byte as a nibble-split escape: '.' → %2%e (IIS reads the two halves as one byte). */
const nibbles = (s: string) => [...Buffer.from(s)].map((b) => { const h = b.toString(16).padStart(2, '0'); return `%${h[0]}%${h[1]}`; }).join('');
const score = (v: string) => { let keep = 1; for (const f of inspectValue(v, DEFAULT_DETECTOR_OPTIONS)) keep *= 1 - f.confidence; return 1 - keep; };

/**
 * Nibble-split escapes (`%2%e`) under four or more layers of `%25` reached the detectors still encoded: the
 * four rounds peeled the `%25` layers, and the one linear pass that decodes what is left (collapsePercent)
 * only knew `%XX` and `%uXXXX`, so `..%2%fetc%2%fpasswd` and `<script>` spelled in nibbles, encoded five
 * times over, scored 0 — and one pass read a `%2%fe` as the escape `%fe`, turning `etc` into garbage.
 */
describe('nibble-split escapes past the last round', () => {
  const payloads: Array<[string, string]> = [
    ['..%2%f..%2%fetc%2%fpasswd', 'traversal'],
    [nibbles('<script>alert(1)</script>'), 'xss'],
    [`x${nibbles(';')}id`, 'cmdi'],
  ];
  for (const [p, family] of payloads) {
    for (const times of [0, 3, 4, 5, 9]) {
      it(`${p.slice(0, 20)}… under ${times} more layers: a ${family} finding that blocks`, () => {
        const v = again(p, times);
        const f = inspectValue(v, DEFAULT_DETECTOR_OPTIONS);
        assert.ok(f.some((x) => x.family === family && x.confidence >= 0.8), JSON.stringify(f));
      });
    }
  }

  it('collapsePercent decodes %X%Y as the byte XY, as a round does, to the fixed point', () => {
    assert.equal(collapsePercent('%2%e%2%e%2%f').text, '../');
    assert.equal(collapsePercent('%252%25e').text, '.');
    assert.equal(collapsePercent('%3%c%u0073').text, '<s');
    assert.equal(collapsePercent('%2%fetc').text, '/etc');
    // what a round leaves alone stays: a lone '%', '%%', a half escape at the end
    assert.equal(collapsePercent('100% %% %2').text, '100% %% %2');
  });

  it('a value whose last round left only nibble-split escapes is decoded on', () => {
    const d = decodeValue(again('1%2%7 or%2%01=1--', 4));
    assert.equal(d.url, "1' or 1=1--");
    assert.ok(d.depth > MAX_URL_ROUNDS);
  });

  it('linear: 4000 nibble escapes under 8 layers cost a bounded number of steps', () => {
    const v = again(nibbles('.'.repeat(4000)), 8);
    const d = decodeValue(v);
    assert.equal(d.url, '.'.repeat(4000));
    const r = collapsePercent(again(nibbles('.'.repeat(4000)), 2));
    assert.ok(r.steps <= 2 * 4000 * 8 * 2, String(r.steps));
  });
});

/**
 * A value still percent-encoded after the fourth round is evidence of evasion by itself: no client encodes
 * data five times over (none of the benign sets has a value deeper than two rounds), while an application
 * that decodes until nothing changes reads whatever is under it. Reported like overlong UTF-8 (traversal,
 * 0.85, its own detail: a block at the default threshold) whatever the value decodes to.
 */
describe('a value percent-encoded more than four times over', () => {
  it('is a finding of its own, 0.85, whatever it decodes to', () => {
    for (const v of [again('hello%20world', 4), again('a%2Cb', 7), again('%u0041', 4)]) {
      const f = inspectValue(v, DEFAULT_DETECTOR_OPTIONS);
      const t = f.find((x) => x.family === 'traversal');
      assert.ok(t, `${v}: ${JSON.stringify(f)}`);
      assert.equal(t.confidence, 0.85);
      assert.match(t.detail, /percent-encoded more than 4 times/);
      assert.ok(!t.detail.includes('hello'), 'the detail never echoes the value');
    }
  });

  it('turns a weak finding in the decoded text into a block', () => {
    assert.ok(score('x & id') < 0.8);
    assert.ok(score(again('x%20%26%20id', 4)) >= 0.8);
  });

  it('four rounds or fewer, and literal percent signs, are no finding', () => {
    for (const v of [again('hello%20world', 3), '100%25 sure', '50% off, 20%% more', again('a%2Cb', 2), '%2%e is a nibble']) {
      const f = inspectValue(v, DEFAULT_DETECTOR_OPTIONS).filter((x) => /percent-encoded more than/.test(x.detail));
      assert.deepEqual(f, [], v);
    }
  });

  it('is not reported on a route that does not run traversal, where the decoded text is still read', () => {
    const opts = { ...DEFAULT_DETECTOR_OPTIONS, families: new Set(['xss'] as const) };
    assert.deepEqual(inspectValue(again('hello%20world', 4), opts), []);
    assert.ok(inspectValue(again('%3Cscript%3Ealert(1)%3C/script%3E', 5), opts).some((x) => x.family === 'xss'));
  });
});

/**
 * collapsePercent is the fixed point of repeated rounds (percentDecodeOnce until nothing changes) in one
 * pass: checked on seeded random strings of escape characters, where `%XX`, `%uXXXX` and nibble-split
 * escapes overlap and compete (the version that read nibbles first or not at all differed on ~7 % of them).
 */
describe('collapsePercent equals rounds to the end', () => {
  it('on 20 000 seeded random strings of %, hex digits, u and a few others', () => {
    const alphabet = '%%%%2255ef3cau0x.';
    let seed = 7;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    for (let t = 0; t < 20000; t++) {
      const len = 3 + Math.floor(rnd() * 14);
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      let cur = s;
      for (let k = 0; k < 60; k++) { const r = percentDecodeOnce(cur, false); if (r.decoded === 0) break; cur = r.text; }
      assert.equal(collapsePercent(s).text, cur, s);
    }
  });
});
