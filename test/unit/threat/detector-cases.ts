/** Case lists for the detector tests: values a detector must flag (≥ 0.8) or leave (< 0.8). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { detectSqli } from '../../../src/threat/detectors/sqli/detect.js';

const xss = (v: string) => inspectValue(v, DEFAULT_DETECTOR_OPTIONS).find((f) => f.family === 'xss');

/** A describe block of values the whole pipeline must report as XSS at ≥ 0.8 (default options). */
export function xssFlags(title: string, values: string[]): void {
  describe(title, () => {
    for (const v of values) {
      it(`flags ${JSON.stringify(v).slice(0, 70)}`, () => {
        const f = xss(v);
        assert.ok(f && f.confidence >= 0.8, `${v}: ${JSON.stringify(f)}`);
      });
    }
  });
}

/** A describe block of values that must not be reported as XSS at ≥ 0.8. */
export function xssClean(title: string, values: string[]): void {
  describe(title, () => {
    for (const v of values) {
      it(`leaves ${JSON.stringify(v).slice(0, 70)}`, () => {
        const f = xss(v);
        assert.ok(!f || f.confidence < 0.8, `${v}: ${JSON.stringify(f)}`);
      });
    }
  });
}

const sqli = (s: string) => detectSqli(decodeValue(s).full);

/** Tests (in the current describe) that the SQL reader flags each value at ≥ 0.8. */
export function sqliFlags(list: string[]): void {
  for (const a of list) it(`flags ${JSON.stringify(a)}`, () => { const v = sqli(a); assert.ok(v.confidence >= 0.8, `${a}: ${v.confidence} ${v.reason}`); });
}

/** Tests (in the current describe) that the SQL reader leaves each value below 0.8. */
export function sqliClean(list: string[]): void {
  for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => { const v = sqli(b); assert.ok(v.confidence < 0.8, `${b}: ${v.confidence} ${v.reason}`); });
}
