import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue, type ParanoiaLevel } from '../../../src/threat/detectors/index.js';

const risk = (s: string, paranoia: ParanoiaLevel) => {
  let keep = 1;
  for (const f of inspectValue(s, { ...DEFAULT_DETECTOR_OPTIONS, paranoia })) keep *= 1 - f.confidence;
  return 1 - keep;
};

/**
 * `x & id` scored 0.7 at every paranoia level: a command that is also a word (`id`, `time`, `paste`), alone
 * after a blank `&` at the end of the value, runs in the background of what precedes it — and is how
 * labels are written ("Date & Time", "Cut & Paste", "Read & Write", "Name & ID"). PL1 keeps 0.7 (a
 * throttle); PL2, whose rules fire on values that look like parts of an attack (bare command names), refuses
 * it.
 */
describe('a command that is also a word, alone after a blank & at the end', () => {
  for (const v of ['x & id', 'x & ps', 'abc  &  whoami.exe', 'Date & Time']) {
    it(`${JSON.stringify(v)}: refused at PL2 and above`, () => {
      for (const pl of [2, 3, 4] as const) assert.ok(risk(v, pl) >= 0.8, `PL${pl} ${v}: ${JSON.stringify(inspectValue(v, { ...DEFAULT_DETECTOR_OPTIONS, paranoia: pl }))}`);
    });
  }
  it('PL1 keeps the labels clean of a block', () => {
    for (const v of ['Date & Time', 'Cut & Paste', 'Read & Write', 'Name & ID', 'x & id']) assert.ok(risk(v, 1) < 0.8, v);
  });
  for (const v of ['Procter & Gamble', 'Barnes & Noble', 'Tom & Jerry', 'x & id card', 'x && y', 'R&D', 'x & ansible']) {
    it(`${JSON.stringify(v)}: no PL2 finding`, () => {
      const f = inspectValue(v, { ...DEFAULT_DETECTOR_OPTIONS, paranoia: 2 }).filter((x) => /command after & at the end/.test(x.detail));
      assert.deepEqual(f, [], v);
    });
  }
});
