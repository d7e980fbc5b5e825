import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';


describe('SQL expressions: quantified comparisons with a sub-query (ALL / ANY / SOME)', () => {
  sqliFlags(["bob@mail.test' and login = all (select login)--", "5 or price > any (select cost from parts)", "k' or 3 < some (select id from t)#"]);
  sqliClean(['price > any (other offer) or lower', 'all (select items) = mine', 'I want any (select few) or none', 'x = all (of them)']);
});
