import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL breakouts: COLLATE after the break', () => {
  sqliFlags(["name'collate\"latin1_swedish_ci\"--", "q' COLLATE utf8_bin -- ", "z'collate nocase#"]);
  sqliClean(["the word 'collate' means", "please 'collate' the pages -- thanks", "x' collate pages", "collate 'pages' --"]);
});
