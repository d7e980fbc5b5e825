import { T } from './lexicon.js';
import type { Token } from './tokenizer.js';

/**
 * COLLATE after a break (`user'collate"utf8mb4_general_ci"--`, `x' COLLATE latin1_bin --`): the broken string
 * given a collation, then the rest of the query commented out or continued by a boolean operator. Prose
 * mentioning the word has more than one word before the quote, or no comment after the name.
 */
export function collateBreak(toks: readonly Token[], i: number, shortBreak: boolean, commentAfter: readonly boolean[]): number {
  if (!shortBreak) return 0;
  const t = toks[i];
  if (t?.type !== T.ARITH || t.value !== 'collate') return 0;
  const name = toks[i + 1];
  if (name?.type !== T.STRING && name?.type !== T.BAREWORD) return 0;
  if (name.type === T.STRING && !name.closed) return 0;
  const after = toks[i + 2];
  if (commentAfter[i + 1] === true && (after === undefined || after.type === T.LOGIC)) return 0.85;
  return 0;
}
