import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { mayBeSql, mayBeSqlPlain } from '../../../src/threat/detectors/sqli/gate.js';
import { detectSqli } from '../../../src/threat/detectors/sqli/detect.js';
import { narrowed, randomStrings, storedValues, wordStrings } from './value-sets.js';

/**
 * The SQL gate's quoted-words refinement (gate.ts quotedWordsOnly): a value of words, spaces, quotes, commas and dots with
 * no word of SQL meaning and no quote first is not read. Held to the plain gate: detectSqli's verdict is the
 * same under both for every value here (detectSqli is the only reader of the gate and reads no paranoia
 * level, so the findings at every level are the same).
 */

/** Words with a SQL meaning, words the tokenizer splits, prefixes of string literals, and plain names. */
const WORDS = ['or', 'OR', 'and', 'xor', 'union', 'select', 'like', 'null', 'true', 'sleep', 'if', 'char', 'version', 'not', 'is', 'in', 'by', 'order',
  'group', 'waitfor', 'delay', 'sounds', 'all', 'from', 'where', 'dual', 'information_schema', 'li\u212Ae', 'Or', 'ınto', 'İn',
  '1or1', '0x41', '1e5', '2nd', '1.5', '1.', '.5', '1.e', '1.or', 'mysql.user', 'information_schema.tables', 'utl_http.request', 'St.', 'e.g.', '1', '42', '007', 'n', 'N', 'x', 'b', 'e', 'a', 'admin', 'id', 'name', 'Brien', 'O', 'Seán', 'shop', 'qty', 'v', 'tis', 'em',
  'probe1', 'ORDERS', 'select_x', 'héllo', '日本'];
const SEPS = ['.', '. ', "'.", ".'", ' ', "'", '"', "' ", " '", "''", '""', '" ', ' "', "' '", '  ', ',', ', ', "',", ",'", "','", '","', ')', "')", '(', ';'];
const LEADS = ['', '', '', ' ', "'", '"', " '", '  ', ',', "',"];
/** Characters of the refinement's class, and a few just outside it. */
const ALPHABET = [...'abenorstxyzABNORSX019_ \'",..', 'é', '\u212A', 'İ', '日', ...'-();=.@#*\\,+|&'.split(''), '\u00a0', '\t', '\u2019'];

/** Every short shape of three words from a few kinds (name, number, prose, typed word) and separators. */
function shapes(): string[] {
  const w = ['x', '1', 'a b', 'null', 'or', 'Oé', '1.e'];
  const sep = ["'", ',', "',", "','", ' ', '"', ')', '', '.'];
  const out: string[] = [];
  for (const lead of ['', "'", ' ']) for (const a of w) for (const s1 of sep) for (const b of w) for (const s2 of sep) for (const c of w) for (const end of ['', "'", ')', "')", ',']) out.push(lead + a + s1 + b + s2 + c + end);
  return out;
}

function values(): string[] {
  const stored = storedValues();
  return [
    ...stored,
    ...narrowed(stored, /[^A-Za-z0-9_ '",.\u0080-\uffff]/g, ["'", ' ', '"', ',', '.']),
    ...randomStrings(1, 10000, ALPHABET, 16),
    ...randomStrings(2, 10000, [...'abcdeilnorstuxyz0123456789 \'",.'], 24),
    ...wordStrings(3, 20000, WORDS, SEPS, LEADS),
    ...shapes(),
  ];
}

describe('SQL gate: quoted words', () => {
  it('skips words, spaces and quotes without SQL meaning, and detectSqli is unchanged on every value', () => {
    let refined = 0, plainFinds = 0;
    for (const v of values()) {
      const d = decodeValue(v);
      for (const s of [d.full, v]) {
        const full = detectSqli(s, undefined, mayBeSqlPlain);
        const fast = detectSqli(s);
        assert.deepEqual(fast, full, `detectSqli on ${JSON.stringify(s)}`);
        if (mayBeSqlPlain(s) && !mayBeSql(s)) refined++;
        else if (full.confidence > 0 && /^[A-Za-z0-9_ '",.]+$/.test(s) && /['",]/.test(s)) plainFinds++;
      }
    }
    // the refinement is exercised, and values of the same characters that do read as SQL are in the set
    assert.ok(refined > 10000, `refined ${refined}`);
    assert.ok(plainFinds > 1000, `words-and-quotes values with a SQL finding ${plainFinds}`);
  });

  it('reads a value of words and quotes when a word means SQL, a run is split by the tokenizer, or a quote opens it', () => {
    for (const v of ["x'or'1", "x'1.or'1", "x'mysql.user", "a' OR 'b", "1'UNION'2", "1or1'", "x'0x41", "'probe1", " 'admin", "x' li\u212Ae 'y", "x'1e5"]) assert.ok(mayBeSql(v), v);
    for (const v of ["O'Brien", "a'b", "v'", "Seán O'Brien", '"quoted" words', "don't stop", "x''y", "12'34", "ORDERS'x", 'red, green', "a,'b'"]) assert.ok(!mayBeSql(v), v);
    // just outside the class: read as before
    for (const v of ["a'b:c", "a'b\u00a0", "a'b\t", "a'b-c", "O\u2019Brien'"]) assert.ok(mayBeSql(v), v);
  });

  it('still finds the injections written with words and quotes only', () => {
    for (const v of ["x'or'1", "admin' or 'a' = 'a", "1' union select 'a", "x',null,null)"]) assert.ok(detectSqli(v).confidence >= 0.8, v);
    assert.ok(detectSqli("'probe1").confidence >= 0.8);
  });
});
