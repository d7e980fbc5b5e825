import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { sqliClean, sqliFlags } from './detector-cases.js';

/**
 * A boolean chain after the break is read link by link, but only past a link that already scored: a
 * neutral first link (a bare literal or name: `or 0`, `or 'a'`, `or null`) ended the reading, so
 * `admin' or 0 or 1=1-- ` passed while `admin' or 1=1-- ` was refused. The later links are read whatever
 * the first one scored.
 */
describe('SQL: a tautology after a neutral link of the chain', () => {
  sqliFlags([
    "admin' or 0 or 1=1-- ", "' or 'a' or 1=1--", "' or null or 1=1--", "' or x or 1=1--", "1' or 2 or '1'='1", "' and 1 or 1=1#",
    '1 or null or 1=1', '1 or 2 or 1=1', '1 and 1 or 1=1', '1 and null or 1 like 1',
  ]);
  sqliClean([
    '1 or 2 or 3 people', "'red' or 'blue' or 'green'", "it's cats or dogs or 2=2 words", 'pick 1 or 2 or 3', "O'Brien or Smith or Jones",
    "rock 'n' roll or jazz or 1=1 song",
  ]);
});

describe('SQL: neutral links are read however many there are', () => {
  // the chain used to be read one nested call per link, with a cap of 64: padding past it hid the tautology
  for (const links of [63, 64, 65, 200, 3000]) {
    it(`admin' then ${links} × "or 0", then or 1=1-- `, () => {
      const v = `admin'${' or 0'.repeat(links)} or 1=1-- `;
      const f = inspectValue(v, DEFAULT_DETECTOR_OPTIONS).find((x) => x.family === 'sqli');
      assert.ok(f && f.confidence >= 0.8, JSON.stringify(f));
    });
  }
});
