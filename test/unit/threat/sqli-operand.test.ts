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

describe('SQL operands: non-reserved keywords, spaced calls, [names] and \\N', () => {
  // column / time / mode are column names where an operand stands
  flags(["z' or time <> '4", "q' xor mode != -'5", "b' or column >= '7"]);
  // a function the lexicon does not know, called with a space before its arguments
  flags(["' or reverse (7) <> '8", "x' and levenshtein (1, 2) = '3"]);
  // T-SQL bracketed identifiers
  flags(["k'; select [secret] from accounts", 'SELECT"a"FROM[information_schema].[columns]']);
  // MySQL's \N is NULL
  flags(["q' or price is \\N --"]);
  clean(['Pick a time (morning) or later', 'see [note] below or above', 'Mode (dark) or light', 'a\\N b']);
});

describe('SQL operands: the broken operand continued by arithmetic', () => {
  // raw: the leading operand is an arithmetic expression or a call
  flags(['WIDTH*3 OR 5=6', '(7)*NAME AND 2=4', '-4-((8)) or 3 = 3', 'ROUND(LN(2)) OR COS(0)=1', '-3 and 2>2', '-7 UNION ALL SELECT']);
  // quoted: arithmetic on the broken string, then a comparison or a boolean
  flags(["q'%7<>'2", "v'&2='2", "p'*@b or '6", "m' - 'n' - 1 = '0", "r'|col!='", "w' / 2 / 2 ='"]);
  // quoted: bitwise or integer operators between two strings (no comparison)
  flags(["c' ^ 'd", "e' div 'f", "g'|+'9"]);
  clean([
    "5' - 6' wide", "the '%' sign", '"*"', 'size 9"&page=2&sort=new', "Tom's - Jerry's", '2 * 3 and more', '(optional) and size=large',
    "o'clock - 'ish", "x'*''''''''", "plus' + 'minus", "app.get('/', (req) => res)", "n('*', list)",
  ]);
});

describe('SQL operands: prose around a quote and an operator', () => {
  // a quoted symbol at the start, a quotation after several words, a quoted build flag, a table cell
  clean(["'~' marks the home directory, and '=' sets it", "the flag '-V<level>' sets verbosity", '"-Dfoo=bar;baz=qux"', "|'|\t'{x}\t1  jump to mark"]);
  flags(["~' / 2 = '1", "' - 1 = '0"]);
});

