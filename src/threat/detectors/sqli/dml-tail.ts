import { T } from './lexicon.js';
import type { Token } from './tokenizer.js';

/**
 * Breaks out of a value an INSERT or UPDATE was writing: what follows the broken string is the rest of a
 * VALUES list or of a SET list, which only a statement has. `k` is the comma after the break.
 */

function isLiteral(t: Token | undefined): boolean {
  return t !== undefined && (t.type === T.NUMBER || t.type === T.STRING || t.type === T.VARIABLE);
}

/** The statement ends after `k`: the end of the value, a comment, or ';'. */
function endsAt(toks: readonly Token[], k: number, commentAfter: (k: number) => boolean): boolean {
  return toks[k] === undefined || commentAfter(k - 1) || toks[k]!.type === T.SEMICOLON;
}

/**
 * INSERT … VALUES ('x'),('admin','pwned')-- : the value closed its row (`closers` > 0) and added whole rows
 * of literals, then ended the statement. 0.85 or 0.
 */
export function extraRows(toks: readonly Token[], k: number, closers: number, commentAfter: (k: number) => boolean): number {
  if (closers === 0) return 0;
  let rows = 0;
  while (toks[k]?.type === T.COMMA && toks[k + 1]?.type === T.LPAREN && rows < 16) {
    let j = k + 2, items = 0;
    while (isLiteral(toks[j]) && items < 64) { items++; j++; if (toks[j]?.type !== T.COMMA) break; j++; }
    if (items === 0 || toks[j]?.type !== T.RPAREN) return 0;
    rows++;
    k = j + 1;
  }
  return rows > 0 && endsAt(toks, k, commentAfter) ? 0.85 : 0;
}

/**
 * UPDATE … SET name='x', role='admin' WHERE … : after a one-word break, assignments of literals to names,
 * ending where the application's closing quote closes the last one (`x', role='admin`), in a comment, at
 * ';' or at WHERE. 0.85 or 0.
 */
export function extraAssignments(toks: readonly Token[], k: number, shortBreak: boolean, commentAfter: (k: number) => boolean): number {
  if (!shortBreak) return 0;
  let n = 0;
  while (toks[k]?.type === T.COMMA && n < 16) {
    const name = toks[k + 1], eq = toks[k + 2], v = toks[k + 3];
    if (name?.type !== T.BAREWORD || eq?.type !== T.COMPARE || eq.value !== '=' || !isLiteral(v)) return 0;
    n++;
    k += 4;
    // the application's own closing quote ends the last value: x', role='admin
    if (v!.type === T.STRING && !v!.closed) return toks[k] === undefined ? 0.85 : 0;
  }
  if (n === 0) return 0;
  return endsAt(toks, k, commentAfter) || (toks[k]?.type === T.CLAUSE && toks[k]!.value === 'where') ? 0.85 : 0;
}
