import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

describe('SQL obfuscation: an empty-exponent number qualifying a catalog view', () => {
  sqliFlags(["2e.columns", "select x from information_schema 9.E.schemata", "0.e.routines limit 1", "group_concat(x) 1.e.column_name"]);
  sqliClean(["v1.e.tables", "1.e.g. the tables", "see 1.e. tables", "section 3.e.table", "page 12 e.views", "1.2.e.tables", "item 4.e.name"]);
});
