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

describe('SQL prose: a double-quoted word in search text is a phrase query', () => {
  clean(['garden hose "NOT" included', '"LIKE" button stickers', 'q="IS"+magnet', 'BROWN LEATHER "OR"', '"#1 dad" mug']);
  flags(['x" or "1"="1', '" or 1=1 --', 'z"or"a"="a', '" or "" "']);
});

describe('SQL prose: a double quote right after a digit is an inch mark', () => {
  clean(['tv 55" or 65"', '9" #4 knitting hook', 'frame 8" and 10"']);
  flags(['1" or 1=1--', '5" union select 1,2--']);
});

describe('SQL prose: # and -- in text', () => {
  // '#' before a digit is a number sign; after several words a hashtag; '--word' after several words a search exclusion
  clean(['"#5 jersey"', 'WOOL SCARF 2 \'#', 'RED HAT\'# SALE', 'GREEN SHIRT -LARGE -SMALL\' --KIDS -BABY']);
  flags(["admin'#", "root' #", "bob') #", "carol' --", "dave smith' -- "]);
});

describe('SQL prose: quoted phrases joined by and/or, a quoted last word', () => {
  clean(['\'summer dress" or "beach hat', '\'winter coat" and "wool', "select 'Open'", "press 'or'"]);
  flags(['x" or "y', "q' or '", "n' and 'b", "a 'or' b"]);
});

describe('SQL prose: an operator symbol quoted in a sentence', () => {
  clean(["When you press the '=' key the sum appears", "put a space before and after '<', '>' and the rest"]);
  flags(["a '<>' b", "x'='x", "q' = 'q"]);
});
