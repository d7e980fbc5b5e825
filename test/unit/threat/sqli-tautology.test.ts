import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL conditions: a literal tautology, then an operator commented out', () => {
  sqliFlags(["4='4' and-- x", '8=8 or--', "('q')=('q') || /*", '0 = 0 xor -- ']);
  sqliClean(['1=1--', 'a=a or -- b', '3=3 and #blessed', '2+2=4 or -- so they say', '1=1 or not', '5=5 -- fine', '1=2 or--']);
});
