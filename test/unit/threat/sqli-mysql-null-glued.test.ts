import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T } from '../../../src/threat/detectors/sqli/lexicon.js';
import { tokenize } from '../../../src/threat/detectors/sqli/tokenizer.js';
import { sqliClean, sqliFlags } from './detector-cases.js';

/**
 * MySQL reads `\N` as NULL and lexes the next token right after it, so `\Nunion select …` is
 * `NULL UNION SELECT …` — the same gluing an operator word gets after a number (`1union`, `1or1=1`).
 * The tokenizer took `\N` as NULL only when no word character followed, so the glued form was read as one
 * unknown word and the UNION was not seen.
 */
describe('SQL: MySQL \\N (NULL) glued to an operator word', () => {
  sqliFlags(['\\Nunion select pwd from users', '\\Nunion all select 1,2', '\\Nor 1=1--', '\\Nand sleep(5)']);
  sqliClean(['C:\\Notes\\union.txt', '\\Nunions of states', 'C:\\News\\or', 'd:\\Norway\\oranges']);

  it('splits NULL from an operator word glued to it, and only then', () => {
    assert.deepEqual(tokenize('\\Nunion').map((t) => [t.type, t.value]), [[T.NUMBER, 'null'], [T.UNION, 'union']]);
    assert.deepEqual(tokenize('\\Nunions').map((t) => t.type), [T.OTHER, T.BAREWORD]);
  });
});
