import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { detectSqli } from '../../../src/threat/detectors/sqli/detect.js';

/**
 * A chain of predicates after a break (`'||'||'||…`) was read one recursive call per link: a value of
 * 16 000 characters (within max_value_bytes) overflowed the stack, the inspect stage threw, and the request
 * was refused ERR_INTERNAL — or, on a route with fail_open, let through uninspected.
 */
describe('sqli: long predicate chains are read without deep recursion', () => {
  for (const [unit, size] of [["'||", 60_000], ["'||", 16_000], ["' or 'a'='a' or ", 60_000]] as const) {
    it(`${JSON.stringify(unit)} × ${size / unit.length | 0} is read and flagged`, () => {
      const v = unit.repeat(Math.ceil(size / unit.length));
      const f = inspectValue(v, DEFAULT_DETECTOR_OPTIONS).find((x) => x.family === 'sqli');
      assert.ok(f && f.confidence >= 0.8, JSON.stringify(f));
      assert.ok(detectSqli(`${v}1`).confidence >= 0.8);
    });
  }
});
