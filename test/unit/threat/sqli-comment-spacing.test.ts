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

describe('SQL obfuscation: inline comments as the whitespace between SQL words', () => {
  flags(['SELECT/*no-space*/secret/**/FROM/**/accounts', 'update/**/users/**/set/**/role=1', "k'/**/and/**/0/**/union/**/x", 'INSERT/*a*/INTO/*b*/logs']);
  clean(['int/*width*/w/*height*/h', 'select/* pick one */ from the list', '/* select */ a /* from */ b', 'path/*glob*/select.txt', 'a/**/select']);
});

describe('SQL obfuscation: a value-opening verb glued to an inline comment', () => {
  flags(['DROP/*note*/orders', 'truncate/**/audit', ' union/*x*/y']);
  clean(['delete/*old*/p;', 'x drop/*c*/t', 'dropdown/*menu*/item', 'Drop /* spaced */ it']);
});
