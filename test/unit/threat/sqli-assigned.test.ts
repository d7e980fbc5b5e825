import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL fragments: a leading name= then a chained condition', () => {
  sqliFlags(['uid=AND 4410=(', 'sort=OR (12=34)', "tab=|| q == '", 'page=and 3=3--']);
  sqliClean(['q=and more', 'filter=or best price', 'mode=and (x) or y', 'size=or 5', 'a=b&c=d', 'note=or else, 3 = three', 'x==and 1=1 or']);
});
