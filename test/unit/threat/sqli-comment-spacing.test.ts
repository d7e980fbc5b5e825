import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL obfuscation: inline comments as the whitespace between SQL words', () => {
  sqliFlags(['SELECT/*no-space*/secret/**/FROM/**/accounts', 'update/**/users/**/set/**/role=1', "k'/**/and/**/0/**/union/**/x", 'INSERT/*a*/INTO/*b*/logs']);
  sqliClean(['int/*width*/w/*height*/h', 'select/* pick one */ from the list', '/* select */ a /* from */ b', 'path/*glob*/select.txt', 'a/**/select']);
});

describe('SQL obfuscation: a value-opening verb glued to an inline comment', () => {
  sqliFlags(['DROP/*note*/orders', 'truncate/**/audit', ' union/*x*/y']);
  sqliClean(['delete/*old*/p;', 'x drop/*c*/t', 'dropdown/*menu*/item', 'Drop /* spaced */ it']);
});
