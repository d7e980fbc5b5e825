import { T } from './lexicon.js';
import type { Token } from './tokenizer.js';

/**
 * Truncated breakouts: a quote closes the string the value was pasted into and SQL follows, but the value
 * ends before the statement does (a probe, or a payload cut by a length limit). What is left is still a
 * shape only SQL has.
 */

/**
 * `' or abc!` / `'xor 42<` / `u'and id is not?--`: after a short break, a boolean operator, one operand, then
 * a comparison operator with its right-hand side missing — the value ends there, or after one stray
 * character with the rest commented out. `values` counts the operands read, `end` indexes the operator.
 */
export function danglingComparison(toks: readonly Token[], shortBreak: boolean, values: number, end: number, commentAfter: readonly boolean[]): number {
  if (!shortBreak || values !== 1) return 0;
  const op = toks[end];
  if (op === undefined || !(op.type === T.COMPARE || (op.type === T.NOT && op.value === '!'))) return 0;
  let k = end + 1;
  if (op.value === 'is' && toks[k]?.type === T.NOT) k++;
  if (toks[k]?.type === T.OTHER) k++;
  if (k !== toks.length) return 0;
  return k === end + 1 || commentAfter[k - 1] === true ? 0.8 : 0;
}

/**
 * `'UNION A` / `1'union all` / `'SELECT pa`: the value opens with a quote (nothing or a number before it),
 * UNION or SELECT follows the break, then at most one word and the end (or a comment). Names with an
 * apostrophe (l'union) have a word before the quote; a quoted phrase closes its quote.
 */
export function truncatedUnion(toks: readonly Token[], i: number, commented: (k: number) => boolean): number {
  const head = toks[0]!;
  if (head.type !== T.STRING || (head.value !== '' && !/^\d+$/.test(head.value))) return 0;
  const verb = toks[i];
  if (verb?.type !== T.UNION && !(verb?.type === T.STATEMENT && verb.value === 'select')) return 0;
  const rest = toks.length - (i + 1);
  if (commented(i)) return 0.85;
  if (rest === 0) return verb.type === T.UNION && verb.value !== 'union' ? 0.8 : 0;
  const w = toks[i + 1]!;
  const word = w.type === T.BAREWORD || w.type === T.KEYWORD || w.type === T.STATEMENT;
  return rest === 1 && word ? 0.8 : 0;
}

/** Statement verbs that change or read data: after `';` they start a second statement. */
const STACKED_VERBS = new Set(['select', 'insert', 'update', 'delete', 'drop', 'create', 'alter', 'truncate', 'exec',
  'execute', 'declare', 'shutdown', 'grant', 'revoke', 'merge']);

/**
 * `";SELECT P` / `x';drop t`: a short break, `;` right after the quote, then a statement verb — a second
 * statement stacked after the one broken out of, however soon the value ends. `i` indexes the ';'.
 */
export function stackedAfterBreak(toks: readonly Token[], i: number, shortBreak: boolean): number {
  if (!shortBreak || i !== 1) return 0;
  const v = toks[i + 1];
  return v?.type === T.STATEMENT && STACKED_VERBS.has(v.value) ? 0.85 : 0;
}
