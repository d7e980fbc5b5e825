import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

describe('SQL error-based reads: a call cast to a number with ::', () => {
  sqliFlags(["substring(passwd from 2 for 9)::int", "current_database()::integer", "(md5(secret)::bigint)", "translate(login,'a','b')::numeric"]);
  sqliClean(["now()::date", "a::int", "std::vector<int>", "see lib (v2)::int page", "call(x) :: int"]);
});
