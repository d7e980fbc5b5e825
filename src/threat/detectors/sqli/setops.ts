import { T } from './lexicon.js';
import type { SqlReader } from './parser.js';
import type { Token } from './tokenizer.js';

/**
 * The set operators besides UNION — INTERSECT, EXCEPT and Oracle's MINUS — join a second SELECT to the
 * query the same way (`x' intersect select 1,2--`, `except select null`). The SELECT is judged as a
 * statement: standing after a break (the quote, or a closing parenthesis) a plausible shape is enough;
 * elsewhere it must read as a query (a literal list, FROM with clauses), so prose such as "all but the
 * first, except select items" does not count. MINUS, also an English word, counts only after a break.
 */
export function setOperation(r: SqlReader, toks: readonly Token[], k: number, broke: boolean): number {
  const t = toks[k]!;
  if (t.type !== T.KEYWORD || (t.value !== 'intersect' && t.value !== 'except' && t.value !== 'minus')) return 0;
  if (t.value === 'minus' && !broke) return 0;
  let j = k + 1;
  if (toks[j]?.value === 'all' || toks[j]?.value === 'distinct') j++;
  if (toks[j]?.type === T.LPAREN) j++;
  if (toks[j]?.type !== T.STATEMENT || toks[j]!.value !== 'select') return 0;
  return r.statement(j, broke);
}

/**
 * UNION's second operand need not be a SELECT: MySQL 8 and PostgreSQL take `TABLE name` (every row of the
 * table) and `VALUES (…)` / MySQL's `VALUES ROW(…)` (`1' union table users-- `, `' union values row(1,2)#`).
 * `k` is the UNION token; the operand must end the query (the end, a comment, ';', ')', another set
 * operator or a clause) or be a tuple of literals. Read only where UNION follows a break, so prose such as
 * "the union table tennis" is not one.
 */
export function unionTableOrValues(toks: readonly Token[], k: number, commentAfter: (k: number) => boolean): number {
  const w = toks[k + 1];
  if (w?.type !== T.KEYWORD) return 0;
  if (w.value === 'table') {
    let j = k + 2;
    if (toks[j]?.type !== T.BAREWORD) return 0;
    if (toks[j + 1]?.type === T.DOT && toks[j + 2]?.type === T.BAREWORD) j += 2;
    const after = toks[j + 1];
    return after === undefined || commentAfter(j) || after.type === T.SEMICOLON || after.type === T.RPAREN || after.type === T.UNION || after.type === T.CLAUSE ? 0.9 : 0;
  }
  if (w.value !== 'values') return 0;
  let j = k + 2;
  if (toks[j]?.type === T.FUNCTION && toks[j]!.value === 'row') j++;
  if (toks[j]?.type !== T.LPAREN) return 0;
  let items = 0;
  for (j++; j < toks.length && items < 64; j++) {
    const t = toks[j]!;
    if (t.type === T.RPAREN) return items > 0 ? 0.9 : 0;
    if (t.type === T.COMMA) continue;
    if (t.type !== T.NUMBER && t.type !== T.STRING && t.type !== T.VARIABLE) return 0;
    items++;
  }
  return 0;
}
