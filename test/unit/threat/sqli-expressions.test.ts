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

describe('SQL expressions: CASE … WHEN … THEN … END', () => {
  flags(["case 2 when 'x' then 3 end", "case 'a' when 'b' then 0 else 1 end", 'CASE WHEN 4<5 THEN 6 END']);
  clean(['in case you need it, then call', 'case when done then end', 'a case of wine, when open then drink']);
});

describe('SQL expressions: comparisons built from SQL functions', () => {
  // after a numeric break, a comparison with an extraction function on one side
  flags(['3 or substring(name,2,1) = upper(code)', '7 && length(pass) = length(salt)']);
  // the whole value compares server metadata
  flags(['VERSION() LIKE USER()', 'database() = schema()']);
  clean(['a || foo(b) == bar(c)', 'x or len(a) == len(b)', 'getVersion() >= 2', 'version() returns the number', '3 or more(items) = better(deal)']);
});

describe('SQL expressions: a numeric operand, then an empty comment', () => {
  flags(['5--', '2 * 3 /*', '@v /*', '-8 --']);
  clean(['555--1234', 'room 4 #', '5 -- 6 items', '2020-10-01', '1 #', 'v2 --', '2.  --', '7\t-------', '4 /* -- */']);
});
