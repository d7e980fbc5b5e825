import { T } from './lexicon.js';
import type { SqlReader } from './parser.js';
import type { Token } from './tokenizer.js';

/**
 * The clauses that follow a SELECT's FROM source — WHERE / HAVING with a comparison, LIMIT n[,m] or
 * LIMIT n OFFSET m, ORDER BY / GROUP BY with a list — read one after another. Prose that happens to say
 * "select … from …" is not followed by them.
 */

/** Index after the clauses starting at j (j itself when none reads); -1 when one starts but does not read. */
export function readClauses(r: SqlReader, toks: readonly Token[], j: number): number {
  let k = j;
  for (let guard = 0; guard < 6; guard++) {
    const t = toks[k];
    if (t?.type !== T.CLAUSE) return k;
    if (t.value === 'where' || t.value === 'having') {
      const e = r.expr(k + 1);
      if (e.end < 0 || !((e.compare && e.literal) || e.func)) return -1;
      k = e.end;
    } else if (t.value === 'limit' || t.value === 'offset') {
      if (toks[k + 1]?.type !== T.NUMBER) return -1;
      k += 2;
      if ((toks[k]?.type === T.COMMA || toks[k]?.value === 'offset') && toks[k + 1]?.type === T.NUMBER) k += 2;
    } else if (t.value === 'order by' || t.value === 'group by') {
      const l = r.list(k + 1);
      if (l.end < 0) return -1;
      k = l.end;
      if (toks[k]?.value === 'asc' || toks[k]?.value === 'desc') k++;
    } else return -1;
  }
  return k;
}

/** What may stand after a query's last clause: the end, ')', ';', UNION. */
export function queryEnds(t: Token | undefined): boolean {
  return t === undefined || t.type === T.RPAREN || t.type === T.SEMICOLON || t.type === T.UNION;
}

/**
 * `FROM source clauses` after a break (`1) from users where name='x')`): the rest of a SELECT the value
 * was spliced into. At least one clause must read, and the query must end after it.
 */
export function fromTail(r: SqlReader, toks: readonly Token[], i: number): number {
  if (toks[i]?.value !== 'from' || toks[i + 1]?.type !== T.BAREWORD) return 0;
  const src = r.list(i + 1);
  if (src.end < 0 || toks[src.end]?.type !== T.CLAUSE) return 0;
  const end = readClauses(r, toks, src.end);
  return end > src.end && queryEnds(toks[end]) ? 0.85 : 0;
}

/**
 * The clauses that may follow a WHERE condition besides the ones above: a SELECT's locking clause (`FOR
 * UPDATE`, `FOR SHARE`, `FOR KEY SHARE`, MySQL's `LOCK IN SHARE MODE`), `INTO @var` / `INTO OUTFILE`, a
 * `WINDOW name AS (…)`, and a DML statement's `RETURNING`. Each is read with the word that must follow it,
 * so prose that goes on with "for", "into" or "window" is not one.
 */
export function statementTail(toks: readonly Token[], k: number): boolean {
  const t = toks[k];
  if (t?.type !== T.KEYWORD) return false;
  const nx = toks[k + 1];
  switch (t.value) {
    case 'for': return nx?.value === 'update' || nx?.value === 'share' || (nx?.value === 'key' && toks[k + 2]?.value === 'share');
    case 'lock': return nx?.value === 'in' && toks[k + 2]?.value === 'share';
    case 'into': return nx?.type === T.VARIABLE || nx?.value === 'outfile' || nx?.value === 'dumpfile';
    case 'window': return nx?.type === T.BAREWORD && toks[k + 2]?.value === 'as';
    case 'returning': return nx !== undefined && (nx.type === T.BAREWORD || nx.value === '*');
    default: return false;
  }
}
