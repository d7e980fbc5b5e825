import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL clauses: SELECT … FROM … followed by clauses that read', () => {
  // a sub-query: ( SELECT list FROM source WHERE/LIMIT/ORDER BY … )
  sqliFlags(['(select pw from staff limit 2,1)', '-2 --\n (select pw from staff where id=4)', '(select mail from members order by 1 desc)']);
  sqliClean(['(select one from the list)', '(select a colour from the dropdown)', '(select all from below where possible)', 'select items from cart']);
});

describe('SQL clauses: the rest of a query after the break', () => {
  // ) FROM source WHERE …: the tail of the SELECT the value was spliced into
  sqliFlags(["9) from accounts where owner='bob')", "x') from t1 where a=1 limit 1 --"]);
  // a boolean operator, then a whole SELECT (T-SQL TOP n)
  sqliFlags(['4 and select top 5 email from members --', "z' or select top 1 pass from logins--"]);
  // the operand, then GROUP BY … HAVING <aggregate>
  sqliFlags(['5 or 2 group by concat(user(),floor(rand(0)*2)) having min(1) -- ']);
  // T-SQL IF <predicate> <statement>
  sqliFlags(["';if 2>1 drop table t1--", '7;if 1<2 shutdown --']);
  sqliClean(['1) from the kitchen where it is warm', '1 and select your size', '2 or 3 group by colour', 'Step 1) From the menu where possible', "1;if it rains stay home"]);
});
