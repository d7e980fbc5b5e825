import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL breakouts: truncated after the break', () => {
  // a boolean operator, one operand, then a comparison with no right-hand side
  sqliFlags(["' or qwe!", "'and 987654<", "k' xor zz>", "'  or  ab="]);
  sqliClean(["it's or not!", "'or else!", "say 'or what!", "'and me!'", "rock 'n' or roll!", "' or abc ! def"]);
  // a quote, then UNION and at most one word (or a comment)
  sqliFlags(["'UNION B", "'union all", "7'union se", "'union/*"]);
  sqliClean(["l'union européenne", "'Union Pacific'", "O'Union", 'the "union all', "'union pacific railroad"]);
  // a quote, ';' and a statement verb: a second statement, however short
  sqliFlags(["\";DELETE X", "a';insert", "\";update t"]);
  sqliClean(["\";", "He said \"no\";select one", "\";hello there", "';print me"]);
});

describe('SQL breakouts: a quote, then SELECT cut short', () => {
  sqliFlags(["'SELECT tok", "9' select n", "' select/*"]);
  sqliClean(["'select all of them", "l'select x", "the 'select t"]);
});

describe('SQL breakouts: a comparison left without its operand, the rest commented out', () => {
  sqliFlags(["bob'and uid is not?--", "k' or age >= --", "'xor name like ?#"]);
  sqliClean(["x' and id is not", "'or a = ?", "it's or not?--", "say 'or what is -- this"]);
});
