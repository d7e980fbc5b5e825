import { T } from './lexicon.js';
import type { SqlReader } from './parser.js';
import type { Token } from './tokenizer.js';

/**
 * CASE [operand] WHEN expr THEN expr … [ELSE expr] END — SQL's conditional expression, read strictly: every
 * arm an expression, at least one literal among the arms. Prose does not put WHEN, THEN and END in that
 * order with expressions between them. Returns the index after END, or -1.
 */
const MAX_ARMS = 16;

export function caseExpression(r: SqlReader, toks: readonly Token[], k: number): number {
  if (toks[k]?.type !== T.KEYWORD || toks[k]!.value !== 'case') return -1;
  let j = k + 1;
  let literal = false;
  if (toks[j]?.value !== 'when') {
    const e = r.expr(j);
    if (e.end < 0) return -1;
    literal = e.literal;
    j = e.end;
  }
  let arms = 0;
  while (toks[j]?.value === 'when' && arms < MAX_ARMS) {
    const cond = r.expr(j + 1);
    if (cond.end < 0 || toks[cond.end]?.value !== 'then') return -1;
    const val = r.expr(cond.end + 1);
    if (val.end < 0) return -1;
    literal ||= cond.literal || val.literal;
    j = val.end;
    arms++;
  }
  if (arms === 0) return -1;
  if (toks[j]?.value === 'else') {
    const e = r.expr(j + 1);
    if (e.end < 0) return -1;
    literal ||= e.literal;
    j = e.end;
  }
  return toks[j]?.value === 'end' && literal ? j + 1 : -1;
}

/**
 * MySQL's IF(cond, a, b) and T-SQL's IIF — the conditional in function form, as blind injection writes it
 * where a sort column or an operand goes (`if(1=1,name,price)`, `1 rlike if(1=1,1,0x28)`). Read when the
 * condition is one only a probe writes: always true, calling a probe function, or a sub-query (a
 * spreadsheet's IF(A1>10,…) or IF(LEN(A1)>10,…) compares a cell, not two constants). 0.85 or 0.
 */
export function ifFunction(r: SqlReader, toks: readonly Token[], k: number): number {
  const t = toks[k];
  if (t?.type !== T.FUNCTION || (t.value !== 'if' && t.value !== 'iif') || toks[k + 1]?.type !== T.LPAREN) return 0;
  const cond = r.expr(k + 2);
  if (cond.end < 0 || toks[cond.end]?.type !== T.COMMA) return 0;
  if (!(cond.tautology || cond.probe || cond.subquery)) return 0;
  const a = r.expr(cond.end + 1);
  if (a.end < 0 || toks[a.end]?.type !== T.COMMA) return 0;
  const b = r.expr(a.end + 1);
  return b.end >= 0 && toks[b.end]?.type === T.RPAREN ? 0.85 : 0;
}
