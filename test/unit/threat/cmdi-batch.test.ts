import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;

describe('cmd.exe FOR loop', () => {
  const attacks = ['for %i in (*.txt) do type %i', 'x & FOR /R C:\\ %%f IN (*.ini) DO del %%f', 'FOR /F "tokens=1" %x IN (\'whoami\') DO echo %x',
    '(for /l %n in (1,1,9) do ping -n 1 10.0.0.%n)', 'a|for  /d  %d in (c:\\users\\*) do dir %d'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  const benign = ['for x in (1, 2, 3): print(x)', 'discount for 10% in (some) stores do apply', 'for 50% in (cash) do pay', 'Go for it (really) do it',
    'perfect for %s in (English) do', 'information for %user in docs'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});
