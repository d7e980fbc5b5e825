import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL set operations: INTERSECT / EXCEPT / MINUS before a SELECT', () => {
  sqliFlags(["q' intersect select 3,4--", 'EXCEPT SELECT null,null', "2) minus select 7 from dual#", "z' except all select login from staff--"]);
  sqliClean(['everything except select items from the list', 'minus select few', 'all except select one', 'intersect select menus with care', 'plus or minus select 2 options']);
});
