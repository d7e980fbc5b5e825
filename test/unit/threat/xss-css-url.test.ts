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

flags('CSS declarations whose url() runs script', [
  'list-style-image: url(vbscript', 'style=background-image:url("JavaScript', 'cursor:url(\'livescript:',
  'color:blue; -moz-binding: url(https://cdn.evil.test/x.xml#b)', 'zoom:1;behavior:url(/files/a.htc)', 'behaviour : url(c.htc)',
]);
clean('CSS urls and prose that run nothing', [
  'background:url(javascript/logo.png)', 'the url(javascript) helper', 'background: url(/img/vbscript-icon.svg)',
  'Firefox dropped -moz-binding in 2019', 'behavior: smooth', 'scroll-behavior:auto', 'icon:url(https://cdn.test/i.png)',
]);
