import { T } from './lexicon.js';
import type { Token } from './tokenizer.js';

/**
 * Reading from a system catalogue (`from information_schema.tables where …`, `join pg_catalog.pg_user`,
 * `from master..sysdatabases--`): schema discovery, the step before extraction. The object must stand where
 * a query's source stands — the value ends after it, or a clause, `;`, `)`, `,`, ON, JOIN, UNION or a comment follows —
 * so prose that names a catalogue (`data from information_schema is …`) does not count. Generic names a
 * catalogue also has (mysql, master, sys) only count as the qualifier of a catalogue object.
 */
const SYSTEM_CATALOGUES = new Set([
  'information_schema', 'sysobjects', 'syscolumns', 'sysusers', 'sysdatabases', 'sysibm', 'sysdummy1',
  'all_tables', 'user_tables', 'dba_users', 'all_users', 'pg_shadow', 'pg_user', 'pg_catalog', 'pg_database',
  'sqlite_master', 'sqlite_schema', 'syscat', 'sysibmadm', 'msysobjects', 'all_tab_columns', 'dba_tables',
]);
const QUALIFIERS = new Set(['mysql', 'master', 'sys']);
const SYS_VIEWS = new Set(['objects', 'tables', 'columns', 'databases', 'sql_logins', 'syslogins', 'server_principals', 'user']);

/** toks[k] is FROM or JOIN: does a system catalogue object follow, in a query's source position? */
export function catalogSource(toks: readonly Token[], k: number, commentAfter: readonly boolean[]): number {
  const t = toks[k]!;
  if (t.value !== 'from' && t.value !== 'join') return 0;
  const src = toks[k + 1];
  if (src?.type !== T.BAREWORD) return 0;
  let catalogue = SYSTEM_CATALOGUES.has(src.value);
  if (!catalogue && !QUALIFIERS.has(src.value)) return 0;
  // the qualified name: a.b, a..b, a.b.c (a trailing dot: the value ends mid-name)
  let j = k + 2;
  for (let parts = 0; parts < 3 && toks[j]?.type === T.DOT; parts++) {
    j++;
    if (toks[j]?.type === T.DOT) j++;
    const obj = toks[j];
    if (obj === undefined) break;
    if (obj.type !== T.BAREWORD && obj.type !== T.KEYWORD && obj.type !== T.NUMBER) return 0; // user is a value word
    if (SYSTEM_CATALOGUES.has(obj.value) || (QUALIFIERS.has(src.value) && SYS_VIEWS.has(obj.value))) catalogue = true;
    j++;
  }
  if (!catalogue) return 0;
  const after = toks[j];
  const source = after === undefined || commentAfter[j - 1] === true || after.type === T.CLAUSE ||
    after.type === T.SEMICOLON || after.type === T.RPAREN || after.type === T.UNION || after.type === T.COMMA ||
    after.value === 'join' || (after.value === 'on' && joinCondition(toks, j + 1));
  return source ? 0.85 : 0;
}

/** What follows ON: the end, or a (qualified) name and a comparison (on a.id = b.id). */
function joinCondition(toks: readonly Token[], k: number): boolean {
  if (toks[k] === undefined) return true;
  const nx = toks[k + 1];
  return nx?.type === T.COMPARE || nx?.type === T.DOT;
}
