import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T } from '../../../src/threat/detectors/sqli/lexicon.js';
import { tokenize } from '../../../src/threat/detectors/sqli/tokenizer.js';
import { sqliClean, sqliFlags } from './detector-cases.js';

/**
 * A sort or column parameter an application quotes as an identifier (ORDER BY `${col}`) is broken out of
 * with a backtick: name`,(select sleep(5)),`id. Read from the start, the two backticks pair up into one
 * long identifier, so the sub-query inside them was never seen (0 in every placement). The value is now
 * also read from inside the identifier, as a quoted value is read from inside its string.
 */
describe('SQL: breaking out of a backtick-quoted identifier', () => {
  sqliFlags(['name` desc,(select sleep(5)),`id', 'id`,(select pwd from staff limit 1),`name', 'x` union select pwd from staff#', 'col`=1 or 1=1-- ']);
  sqliClean(['run `npm install` first', 'use`code`here', 'see `a` and `b`', '`select * from users` is an example', 'x`y', 'name`', 'Rock`n`roll or more', '[`--no-flag`][] turns it off', '(`--dry-run`) only']);

  it('reads from inside the identifier up to the backtick that closes it (a doubled one is part of the name)', () => {
    assert.deepEqual(tokenize('a``b` union', { quote: '`' }).map((t) => [t.type, t.value]), [[T.STRING, 'a``b'], [T.UNION, 'union']]);
    assert.deepEqual(tokenize('open', { quote: '`' }).map((t) => [t.type, t.closed]), [[T.STRING, false]]);
  });
});
