import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL operands: non-reserved keywords, spaced calls, [names] and \\N', () => {
  // column / time / mode are column names where an operand stands
  sqliFlags(["z' or time <> '4", "q' xor mode != -'5", "b' or column >= '7"]);
  // a function the lexicon does not know, called with a space before its arguments
  sqliFlags(["' or reverse (7) <> '8", "x' and levenshtein (1, 2) = '3"]);
  // T-SQL bracketed identifiers
  sqliFlags(["k'; select [secret] from accounts", 'SELECT"a"FROM[information_schema].[columns]']);
  // MySQL's \N is NULL
  sqliFlags(["q' or price is \\N --"]);
  sqliClean(['Pick a time (morning) or later', 'see [note] below or above', 'Mode (dark) or light', 'a\\N b']);
});

describe('SQL operands: the broken operand continued by arithmetic', () => {
  // raw: the leading operand is an arithmetic expression or a call
  sqliFlags(['WIDTH*3 OR 5=6', '(7)*NAME AND 2=4', '-4-((8)) or 3 = 3', 'ROUND(LN(2)) OR COS(0)=1', '-3 and 2>2', '-7 UNION ALL SELECT']);
  // quoted: arithmetic on the broken string, then a comparison or a boolean
  sqliFlags(["q'%7<>'2", "v'&2='2", "p'*@b or '6", "m' - 'n' - 1 = '0", "r'|col!='", "w' / 2 / 2 ='"]);
  // quoted: bitwise or integer operators between two strings (no comparison)
  sqliFlags(["c' ^ 'd", "e' div 'f", "g'|+'9"]);
  sqliClean([
    "5' - 6' wide", "the '%' sign", '"*"', 'size 9"&page=2&sort=new', "Tom's - Jerry's", '2 * 3 and more', '(optional) and size=large',
    "o'clock - 'ish", "x'*''''''''", "plus' + 'minus", "app.get('/', (req) => res)", "n('*', list)",
  ]);
});

describe('SQL operands: prose around a quote and an operator', () => {
  // a quoted symbol at the start, a quotation after several words, a quoted build flag, a table cell
  sqliClean(["'~' marks the home directory, and '=' sets it", "the flag '-V<level>' sets verbosity", '"-Dfoo=bar;baz=qux"', "|'|\t'{x}\t1  jump to mark"]);
  sqliFlags(["~' / 2 = '1", "' - 1 = '0"]);
});

