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

describe('SQL set operations: INTERSECT / EXCEPT / MINUS before a SELECT', () => {
  flags(["q' intersect select 3,4--", 'EXCEPT SELECT null,null', "2) minus select 7 from dual#", "z' except all select login from staff--"]);
  clean(['everything except select items from the list', 'minus select few', 'all except select one', 'intersect select menus with care', 'plus or minus select 2 options']);
});
