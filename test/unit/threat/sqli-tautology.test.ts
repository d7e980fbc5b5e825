import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectSqli } from '../../../src/threat/detectors/sqli/detect.js';

const verdict = (s: string) => detectSqli(decodeValue(s).full);
const flags = (list: string[]) => {
  for (const a of list) it(`flags ${JSON.stringify(a)}`, () => { const v = verdict(a); assert.ok(v.confidence >= 0.8, `${a}: ${v.confidence} ${v.reason}`); });
};
const clean = (list: string[]) => {
  for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => { const v = verdict(b); assert.ok(v.confidence < 0.8, `${b}: ${v.confidence} ${v.reason}`); });
};

describe('SQL conditions: a literal tautology, then an operator commented out', () => {
  flags(["4='4' and-- x", '8=8 or--', "('q')=('q') || /*", '0 = 0 xor -- ']);
  clean(['1=1--', 'a=a or -- b', '3=3 and #blessed', '2+2=4 or -- so they say', '1=1 or not', '5=5 -- fine', '1=2 or--']);
});
