import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

describe('SQL breakouts: a login whose string is closed and the statement ended with ;', () => {
  sqliFlags(["operator@corp.example';", "jdoe\";", "sa'; ", " guest' ;"]);
  sqliClean(["';", "12\";", "5';", "my name';", "it's; fine", "x\";y", "call me 'bob';"]);
});
