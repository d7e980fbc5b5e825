import { exponentAt } from './scientific.js';
import { isWord } from './tokenizer.js';

/**
 * MySQL's empty-exponent gap used to qualify a catalog view: `information_schema 1.e.tables` executes as
 * `information_schema.tables` (the number `1.e` is dropped and `.tables` binds to the word before it), so the
 * number glued to `.` and an information_schema view or column name (`1.e.columns`, `2e.table_name`) is
 * written only to hide a schema lookup. A digit must start the number (not `v1.e.tables`, a name). Linear: one scan.
 */
const VIEWS = new Set(['tables', 'columns', 'schemata', 'routines', 'views', 'triggers', 'processlist', 'user_privileges',
  'table_privileges', 'column_privileges', 'key_column_usage', 'statistics', 'innodb_tables', 'innodb_columns',
  // and the catalog's own column names (`select x 1.e.table_name`)
  'table_name', 'column_name', 'table_schema', 'schema_name']);


export function exponentCatalog(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const j = exponentAt(s, i);
    if (j < 0) continue;
    if ((s.charCodeAt(j) | 32) === 101 && s.charCodeAt(j + 1) === 46) {
      let k = j + 2;
      while (k < n && isWord(s.charCodeAt(k)) && k - j < 40) k++;
      if (VIEWS.has(s.slice(j + 2, k).toLowerCase())) return 0.85;
    }
    i = j;
  }
  return 0;
}
