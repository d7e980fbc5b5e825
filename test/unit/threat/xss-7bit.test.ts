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

flags('7-bit markup whose Latin-1 characters arrived as UTF-8 bytes read one by one', [
  '\\xc2\\xbcobject\\xc2\\xbe', '\\xc2\\xbcembed\\xc2\\xbe',
]);
clean('mojibake of ordinary fractions', ['Â¼ cup sugar, Â¾ cup flour', '\\xc2\\xbc inch and \\xc2\\xbe inch bolts']);
