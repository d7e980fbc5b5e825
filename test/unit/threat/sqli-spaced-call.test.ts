import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

describe('SQL breakouts: an unknown function called with a space before its parenthesis', () => {
  sqliFlags(["bob' and( weight (id,.5));'", "a' or trunc (1,2)--", "q' xor( mystery (col, 'k'))", "k' and( zfunc (1))#", "r' && quux (a, 2)--", "7 and( zfunc (id, 3))--", "0 or quux (1) -- x"]);
  sqliClean(["players' and coaches (2)", "players' and coaches (2);", "fans' or (players (2)) win", "students' and teachers (ages 5, 6) tickets", "2 and( kids (5))", "5 or apples (2)", "3 and( dogs (2));", "5 or apples (2) #fruit"]);
});
