import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

/**
 * Blind injection where a sort column or an operand goes uses MySQL's IF(cond, a, b) (or T-SQL's IIF) as it
 * uses CASE WHEN: `?sort=if(1=1,name,price)` orders by one column or the other. CASE was read, IF was not:
 * `if(1=1,name,price)` and `1 rlike if(1=1,1,0x28)` were not detected at all.
 */
describe('SQL: IF() / IIF() with a condition only a probe writes', () => {
  sqliFlags(['if(1=1,name,price)', '1 rlike if(1=1,1,0x28)', 'name,if((select count(*) from staff)>0,1,2)', 'if(sleep(5),1,2)', "iif(1=1,'a','b')", 'IF((SELECT 1)=1,name,price)']);
  sqliClean(['=IF(A1>10,"big","small")', 'if(x=1,a,b)', 'if (you like it, buy it)', 'IF(B2="yes",1,0)', 'if(1,2,3)', 'if (1=1) then fine', '=IF(LEN(A1)>10,1,0)', '=IF(LEFT(A2,1)="x",B2,C2)', '=IIF(SUM(B1:B9)>100,"ok","no")']);
});
