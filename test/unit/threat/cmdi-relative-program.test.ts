import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';

/** The request's risk as scoring.ts combines the value's findings (noisy-OR over families). */
const risk = (s: string) => { let keep = 1; for (const f of inspectValue(s, DEFAULT_DETECTOR_OPTIONS)) keep *= 1 - f.confidence; return 1 - keep; };

/**
 * `;./exploit` scored 0: a program run by a relative path (the shell looks `./name` up nowhere else) right
 * after a control operator is a command line whatever the program is called — the lexicon of command names
 * cannot list an uploaded binary. A value that opens with the operator chains onto the application's
 * command (as `;id` does); mid-value it needs `;` (blank or not) or `|`, `&&`, `||` glued to the path: with
 * blanks around `&&` (`make && ./run`) it is a README's shell line, which the markdown set holds.
 */
describe('a program run by a relative path after a control operator', () => {
  for (const a of [';./exploit', '; ./exploit', '|./x', '&&../bin/run', 'x;./exploit', 'x; ./shell.sh', 'x|./a.out', 'x&&../tmp/payload', 'x||./b', '; .\\evil.exe']) {
    it(`blocks ${JSON.stringify(a)}`, () => assert.ok(risk(a) >= 0.8, `${a}: ${JSON.stringify(inspectValue(a))}`));
  }
  for (const b of ['./configure', 'see ./docs for details', 'a;.b', 'x; .5 mg', 'x;./', 'x; ./3d', '1;./', 'run make && ./app to start', 'x | ./y | z table']) {
    it(`does not block ${JSON.stringify(b)}`, () => assert.ok(risk(b) < 0.8, `${b}: ${JSON.stringify(inspectValue(b))}`));
  }
});
