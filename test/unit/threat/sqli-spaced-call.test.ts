import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

describe('SQL breakouts: an unknown function called with a space before its parenthesis', () => {
  sqliFlags(["bob' and( weight (id,.5));'", "a' or trunc (1,2)--", "q' xor( mystery (col, 'k'))", "k' and( zfunc (1))#"]);
  sqliClean(["players' and coaches (2)", "players' and coaches (2);", "fans' or (players (2)) win", "students' and teachers (ages 5, 6) tickets"]);
});
