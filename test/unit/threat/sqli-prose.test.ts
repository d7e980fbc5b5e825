import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL prose: a double-quoted word in search text is a phrase query', () => {
  sqliClean(['garden hose "NOT" included', '"LIKE" button stickers', 'q="IS"+magnet', 'BROWN LEATHER "OR"', '"#1 dad" mug']);
  sqliFlags(['x" or "1"="1', '" or 1=1 --', 'z"or"a"="a', '" or "" "']);
});

describe('SQL prose: a double quote right after a digit is an inch mark', () => {
  sqliClean(['tv 55" or 65"', '9" #4 knitting hook', 'frame 8" and 10"']);
  sqliFlags(['1" or 1=1--', '5" union select 1,2--']);
});

describe('SQL prose: # and -- in text', () => {
  // '#' before a digit is a number sign; after several words a hashtag; '--word' after several words a search exclusion
  sqliClean(['"#5 jersey"', 'WOOL SCARF 2 \'#', 'RED HAT\'# SALE', 'GREEN SHIRT -LARGE -SMALL\' --KIDS -BABY']);
  sqliFlags(["admin'#", "root' #", "bob') #", "carol' --", "dave smith' -- "]);
});

describe('SQL prose: quoted phrases joined by and/or, a quoted last word', () => {
  sqliClean(['\'summer dress" or "beach hat', '\'winter coat" and "wool', "select 'Open'", "press 'or'"]);
  sqliFlags(['x" or "y', "q' or '", "n' and 'b", "a 'or' b"]);
});

describe('SQL prose: an operator symbol quoted in a sentence', () => {
  sqliClean(["When you press the '=' key the sum appears", "put a space before and after '<', '>' and the rest"]);
  sqliFlags(["a '<>' b", "x'='x", "q' = 'q"]);
});
