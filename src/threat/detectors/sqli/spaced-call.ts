import { T } from './lexicon.js';
import type { Token } from './tokenizer.js';

/**
 * A call to a function the lexicon does not know, written with a space before its '(' (`x' and( likelihood
 * (id,.0));'`, `a' or trunc (1,2)--`): the tokenizer reads the name as a bare word, so the boolean operator
 * after the break seems to have no operand. Read `and [(] name (arg, …) [)]` as a condition when the
 * argument list is names and literals only and the query around it is closed off: by a group the operator
 * opened (then an optional `;`), a comment, or the application's own closing quote. Prose (`players' and
 * coaches (2)`) has none of those. After a leading number (raw reading,
 * `1 and( f (id))--`) only a comment closes it off. Linear: one pass over at most a few dozen tokens.
 */
export function spacedCall(toks: readonly Token[], i: number, shortBreak: boolean, commentAfter: readonly boolean[], quoted = true): number {
  if (!shortBreak) return 0;
  const op = toks[i];
  if (op?.type !== T.LOGIC || (op.value !== 'and' && op.value !== 'or' && op.value !== 'xor' && op.value !== '&&')) return 0;
  let k = i + 1;
  let opened = 0;
  while (toks[k]?.type === T.LPAREN && opened < 4) { k++; opened++; }
  if (toks[k]?.type !== T.BAREWORD || toks[k + 1]?.type !== T.LPAREN) return 0;
  k += 2;
  for (let args = 0; ; args++) {
    const a = toks[k];
    if (args >= 8 || a === undefined) return 0;
    if (a.type !== T.BAREWORD && a.type !== T.NUMBER && !(a.type === T.STRING && a.closed)) return 0;
    k++;
    if (toks[k]?.type === T.RPAREN) break;
    if (toks[k]?.type !== T.COMMA) return 0;
    k++;
  }
  k++;
  for (let c = 0; c < opened; c++, k++) if (toks[k]?.type !== T.RPAREN) return 0;
  if (toks[k]?.type === T.SEMICOLON && opened > 0) k++;
  const after = toks[k];
  // the application's own closing quote, left open by the value (`…));'`)
  const appQuote = quoted && after?.type === T.STRING && !after.closed && k === toks.length - 1;
  if (commentAfter[k - 1] !== true && (!quoted || (!appQuote && !(opened > 0 && after === undefined)))) return 0;
  return 0.85;
}
