import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectValue, DEFAULT_DETECTOR_OPTIONS } from '../../../src/threat/detectors/index.js';

const xss = (v: string) => inspectValue(v, DEFAULT_DETECTOR_OPTIONS).find((f) => f.family === 'xss');

function flags(title: string, values: string[]): void {
  describe(title, () => {
    for (const v of values) {
      it(`flags ${JSON.stringify(v).slice(0, 70)}`, () => {
        const f = xss(v);
        assert.ok(f && f.confidence >= 0.8, `${v}: ${JSON.stringify(f)}`);
      });
    }
  });
}
function clean(title: string, values: string[]): void {
  describe(title, () => {
    for (const v of values) {
      it(`leaves ${JSON.stringify(v).slice(0, 70)}`, () => {
        const f = xss(v);
        assert.ok(!f || f.confidence < 0.8, `${v}: ${JSON.stringify(f)}`);
      });
    }
  });
}

flags('a script scheme spelled with character references', [
  'vb&#115;cript:', 'java&NewLine;script:x', '&#x6A;avascript: ', 'javas&Tab;cript:0', 'java%26Tab%3Bscript%3A',
]);
clean('character references next to a scheme word, not inside it', [
  'Tom &amp; Jerry: javascript: the good parts', 'R&amp;D notes on javascript: closures', 'AT&T javascript: course',
  '&lt;javascript&gt; tips: see below',
]);

flags('a script URL whose body starts with a JS escape', ['javascript:\\\\u0061lert', 'vbscript:\\\\x61']);
clean('a script scheme followed by prose', ['javascript: a language', 'learn javascript: part 2 \\ 3']);
