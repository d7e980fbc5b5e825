import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL operators: PostgreSQL @> containment', () => {
  sqliFlags(["' or '{\"k\":5}' @> '{\"k\":5}'", "r' and labels @> '{x}'--", "0' or meta @> '[1]' #"]);
  sqliClean(['email me @> you', 'a@>b', 'ping @>_<@ pong', "it's @> 'there'"]);
});
