import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL expressions: CASE … WHEN … THEN … END', () => {
  sqliFlags(["case 2 when 'x' then 3 end", "case 'a' when 'b' then 0 else 1 end", 'CASE WHEN 4<5 THEN 6 END']);
  sqliClean(['in case you need it, then call', 'case when done then end', 'a case of wine, when open then drink']);
});

describe('SQL expressions: comparisons built from SQL functions', () => {
  // after a numeric break, a comparison with an extraction function on one side
  sqliFlags(['3 or substring(name,2,1) = upper(code)', '7 && length(pass) = length(salt)']);
  // the whole value compares server metadata
  sqliFlags(['VERSION() LIKE USER()', 'database() = schema()']);
  sqliClean(['a || foo(b) == bar(c)', 'x or len(a) == len(b)', 'getVersion() >= 2', 'version() returns the number', '3 or more(items) = better(deal)']);
});

describe('SQL expressions: a numeric operand, then an empty comment', () => {
  sqliFlags(['5--', '2 * 3 /*', '@v /*', '-8 --']);
  sqliClean(['555--1234', 'room 4 #', '5 -- 6 items', '2020-10-01', '1 #', 'v2 --', '2.  --', '7\t-------', '4 /* -- */']);
});
