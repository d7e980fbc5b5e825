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
