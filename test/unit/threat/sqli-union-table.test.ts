import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

/**
 * UNION joins any query expression, not only a SELECT: MySQL 8 and PostgreSQL take `TABLE name` (every row
 * of it) and `VALUES (…)` / `VALUES ROW(…)`. `1' union table staff-- ` read a whole table and was not
 * detected at all, since every UNION rule looked for SELECT after it.
 */
describe('SQL: UNION TABLE and UNION VALUES after a break', () => {
  sqliFlags([
    "1' union table staff-- ", '1 union table staff', "' union all table app.staff#", "') union distinct table staff;--",
    "' union values row(1,2)-- ", '1 union values (1,2)', "x' union values ('a',null,3)#", "1' union table staff order by 1-- ",
  ]);
  sqliClean([
    'European Union table tennis', 'union table of contents', 'the union values (freedom, trade) matter', "Europe's union table (see below)",
    'trade union values', '1 union table tennis club', "it's a union table staff meeting",
  ]);
});
