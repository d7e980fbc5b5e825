import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectSqli } from '../../../src/threat/detectors/sqli/detect.js';

const verdict = (s: string) => detectSqli(decodeValue(s).full);
const flags = (list: string[]) => {
  for (const a of list) it(`flags ${JSON.stringify(a)}`, () => { const v = verdict(a); assert.ok(v.confidence >= 0.8, `${a}: ${v.confidence} ${v.reason}`); });
};
const clean = (list: string[]) => {
  for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => { const v = verdict(b); assert.ok(v.confidence < 0.8, `${b}: ${v.confidence} ${v.reason}`); });
};

describe('SQL clauses: SELECT … FROM … followed by clauses that read', () => {
  // a sub-query: ( SELECT list FROM source WHERE/LIMIT/ORDER BY … )
  flags(['(select pw from staff limit 2,1)', '-2 --\n (select pw from staff where id=4)', '(select mail from members order by 1 desc)']);
  clean(['(select one from the list)', '(select a colour from the dropdown)', '(select all from below where possible)', 'select items from cart']);
});

describe('SQL clauses: the rest of a query after the break', () => {
  // ) FROM source WHERE …: the tail of the SELECT the value was spliced into
  flags(["9) from accounts where owner='bob')", "x') from t1 where a=1 limit 1 --"]);
  // a boolean operator, then a whole SELECT (T-SQL TOP n)
  flags(['4 and select top 5 email from members --', "z' or select top 1 pass from logins--"]);
  // the operand, then GROUP BY … HAVING <aggregate>
  flags(['5 or 2 group by concat(user(),floor(rand(0)*2)) having min(1) -- ']);
  // T-SQL IF <predicate> <statement>
  flags(["';if 2>1 drop table t1--", '7;if 1<2 shutdown --']);
  clean(['1) from the kitchen where it is warm', '1 and select your size', '2 or 3 group by colour', 'Step 1) From the menu where possible', "1;if it rains stay home"]);
});
