import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenize } from '../../../src/threat/detectors/sqli/tokenizer.js';
import { T } from '../../../src/threat/detectors/sqli/lexicon.js';
import { sqliClean, sqliFlags } from './detector-cases.js';

/**
 * PostgreSQL's `x::type` cast: the word after `::` names a type, and types such as int, integer, char,
 * varchar, json, xml and time are also SQL keywords. Read as keywords they ended the operand, so a
 * tautology or comparison whose operand carried a cast to one of them was not read at all, while the
 * same payload cast to `text` was.
 */
describe('SQL: an operand cast with :: to a type that is also a keyword', () => {
  sqliFlags([
    '1::int or 1=1', '1 or 1::int=1', "' or 1::int=1--", "' and 1=1::int--", "' or 1=1::integer--", "'::int or 1=1--",
    "1' or 2::varchar='2'--", "' or 7::char=7::char--", "1 or 3::json::text=3::text",
  ]);
  sqliClean(['a::int', 'std::vector<int>', 'now()::date', 'x::int is the cast syntax', 'Foo::Bar::int or baz']);

  it('reads the type after :: as a name, not a keyword', () => {
    const types = tokenize('1::int or 2::varchar(9)').map((t) => t.type);
    assert.deepEqual(types, [T.NUMBER, T.ARITH, T.BAREWORD, T.LOGIC, T.NUMBER, T.ARITH, T.FUNCTION, T.LPAREN, T.NUMBER, T.RPAREN]);
  });
});
