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

describe('SQL breakouts: truncated after the break', () => {
  // a boolean operator, one operand, then a comparison with no right-hand side
  flags(["' or qwe!", "'and 987654<", "k' xor zz>", "'  or  ab="]);
  clean(["it's or not!", "'or else!", "say 'or what!", "'and me!'", "rock 'n' or roll!", "' or abc ! def"]);
  // a quote, then UNION and at most one word (or a comment)
  flags(["'UNION B", "'union all", "7'union se", "'union/*"]);
  clean(["l'union européenne", "'Union Pacific'", "O'Union", 'the "union all', "'union pacific railroad"]);
  // a quote, ';' and a statement verb: a second statement, however short
  flags(["\";DELETE X", "a';insert", "\";update t"]);
  clean(["\";", "He said \"no\";select one", "\";hello there", "';print me"]);
});

describe('SQL breakouts: a quote, then SELECT cut short', () => {
  flags(["'SELECT tok", "9' select n", "' select/*"]);
  clean(["'select all of them", "l'select x", "the 'select t"]);
});

describe('SQL breakouts: a comparison left without its operand, the rest commented out', () => {
  flags(["bob'and uid is not?--", "k' or age >= --", "'xor name like ?#"]);
  clean(["x' and id is not", "'or a = ?", "it's or not?--", "say 'or what is -- this"]);
});
