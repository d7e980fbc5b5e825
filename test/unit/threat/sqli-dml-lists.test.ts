import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

/**
 * A value written by an INSERT or an UPDATE breaks out into the statement's own list: more rows after the
 * closed row (`x'),('admin','pwned')-- `), more assignments after the closed value (`x', role='admin`, the
 * application's quote closing the last one). Neither carries a keyword, a tautology or a comment-only tail,
 * and neither was detected at all.
 */
describe('SQL: breaking out into an INSERT VALUES list or an UPDATE SET list', () => {
  sqliFlags([
    "x'),('admin','pwned')-- ", "x'),('admin','pwned'),('a','b');", "1'),(2,'admin',1)#", "x\"),(\"root\",1)-- ",
    "x', role='admin", "x', is_admin=1-- ", "x\", is_admin=1 #", "bob', role='admin', active=1 where id=7-- ", "x', credit=99999;",
  ]);
  sqliClean([
    "it's, like, x=1", "'a', 'b', 'c'", "rock 'n', roll=1", "O'Neil, age=5", "'hello', she said", "x'), (see note)", "print('a', end='')",
    "f('x', y=1)", "I'm fine', he said, x=2 and more", "'),(", "x'),(y z)",
  ]);
});
