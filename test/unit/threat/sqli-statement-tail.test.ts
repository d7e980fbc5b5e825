import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

/**
 * A tautology after the break is refused when the query it was spliced into ends after it (a comment, the
 * end, ORDER BY/LIMIT …). A SELECT may also end in a locking clause, INTO or WINDOW, and a DML statement in
 * RETURNING; appending one (`admin' or 1=1 for update-- `) kept the request from being read at all.
 */
describe('SQL: a condition followed by FOR UPDATE, LOCK IN SHARE MODE, INTO, WINDOW or RETURNING', () => {
  sqliFlags([
    "admin' or 1=1 for update-- ", "' or 1=1 for share#", "' or 1=1 for key share--", "' or 1=1 lock in share mode#", "' or 1=1 into @x#",
    "' or 'a'='a' into outfile '/tmp/x'#", "' or 1=1 window w as ()#", "' or 1=1 returning *--", "1 or 1=1 for update", "x' or a=1 returning id--",
  ]);
  sqliClean([
    "it's 1 or 2 for sure", "Rock 'n' roll or 1=1 for update fans", 'for update', "' or more for update", 'red or blue into @home',
    "'a' or 'b' window seat", "don't or 1=1 for me", 'pick one or two for key share holders',
  ]);
});
