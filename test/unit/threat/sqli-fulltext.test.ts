import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL operands: MATCH … AGAINST full-text predicates', () => {
  sqliFlags(["q' and match(body) against('w')--", "z' or match (t, d) against ('k' in boolean mode) #"]);
  sqliClean(['a match (the finals) against rivals', "it's a match (final) against them", "' or match(a) against"]);
});
