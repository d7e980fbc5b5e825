import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

describe('EXEC with a string argument: dynamic SQL, or an apostrophe in prose', () => {
  // a closed string, or an open one after a break (the application's quote closes it), is dynamic SQL
  sqliFlags(["exec 'xp_cmdshell dir'", "1; exec 'select 1'", "x'; exec 'sp_who", "1 exec 'sp_who'", "a' ; execute 'xp_cmdshell ''dir'''--"]);
  // exec's / execute's: a possessive or a verb's -s, and the string it seems to open never closes
  sqliClean(["It also exec's helper programs for loading policy", "The daemon exec's the hook script (see below)", "Execute's return value is logged"]);
});
