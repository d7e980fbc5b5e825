import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';

const risk = (s: string) => { let keep = 1; for (const f of inspectValue(s, DEFAULT_DETECTOR_OPTIONS)) keep *= 1 - f.confidence; return 1 - keep; };

/**
 * `x;ps aux` scored 0.4: `ps` is also a word (P.S.), so after `;` it needs shell-shaped arguments, and BSD
 * style options carry no dash (`ps aux`, `ps axjf`, which procps reads as options). They are the
 * arguments, as `net user` and `reg query` are for their commands.
 */
describe('ps with BSD-style options', () => {
  for (const a of ['x;ps aux', 'x; ps aux', 'x;ps axjf', 'x | ps auxww', 'ps aux', 'x && ps ax']) {
    it(`blocks ${JSON.stringify(a)}`, () => assert.ok(risk(a) >= 0.8, `${a}: ${JSON.stringify(inspectValue(a))}`));
  }
  for (const b of ['ps: see you soon', 'Thanks; ps the meeting moved', 'ps aux is a command, run it to list processes', 'x; ps auxiliary notes']) {
    it(`does not block ${JSON.stringify(b)}`, () => assert.ok(risk(b) < 0.8, `${b}: ${JSON.stringify(inspectValue(b))}`));
  }
});
