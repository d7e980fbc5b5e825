import { T } from './lexicon.js';
import type { SqlReader } from './parser.js';
import type { Token } from './tokenizer.js';

/**
 * `1='1' or-- -` / `7=7 and /*`: the whole value is a condition that is always true between literals, then
 * a boolean operator whose right-hand side is commented out — the rest of the query it was pasted into.
 * Prose and arithmetic do not leave an operator dangling before a comment that runs to the end.
 * Raw reading; `toks` without comments, `all` with them, `commentAfter` as in detect.ts.
 */
export function commentedTautology(r: SqlReader, toks: readonly Token[], all: readonly Token[], commentAfter: readonly boolean[]): number {
  // the cheap shape first: a boolean operator last, then a comment to the end
  // (not '#': after a word like `and` it is as often a hashtag)
  const last = all[all.length - 1];
  if (toks.length > 16 || toks.length < 4 || last?.type !== T.COMMENT || !last.toEnd || last.value === '#') return 0;
  if (toks[toks.length - 1]!.type !== T.LOGIC || commentAfter[toks.length - 1] !== true) return 0;
  const e = r.expr(0);
  return e.end === toks.length - 1 && e.tautology && e.names === 0 ? 0.85 : 0;
}
