import { T } from './lexicon.js';
import type { ExprInfo, SqlReader } from './parser.js';
import type { Token } from './tokenizer.js';

/**
 * The operand an injection breaks out of need not end at the break: arithmetic or bitwise operators may
 * continue it (`HOPE*1 and 8=3`, `-9-(2) or 1=1`, `floor(pi()) and …`, and inside a string `x'|3!='4`,
 * `a'*@a or '1`, `x' - 'y' - 0 = '1` — MySQL turns each string into a number). This reads that longer
 * operand so the break rules see what follows it.
 */
export interface Operand {
  /** Index after the operand; -1 when it is no longer than its first token (the plain rules apply). */
  end: number;
  info: ExprInfo | undefined;
}

const NONE: Operand = { end: -1, info: undefined };

/**
 * Raw reading: the value starts with an arithmetic expression — an operator joins two operands, a unary
 * minus leads, or the first operand is a call. A lone word or a parenthesised aside is not one.
 */
export function leadingArithmetic(r: SqlReader, toks: readonly Token[]): Operand {
  const t0 = toks[0];
  if (t0 === undefined) return NONE;
  // cheap reject before reading: a call, a sign or a group first, or an operator second
  const sign = t0.type === T.ARITH && (t0.value === '-' || t0.value === '+');
  if (t0.type !== T.FUNCTION && !sign && t0.type !== T.LPAREN && toks[1]?.type !== T.ARITH) return NONE;
  const e = r.expr(0);
  if (e.end < 2) return NONE;
  let arith = t0.type === T.FUNCTION || sign;
  for (let k = 0; k < e.end && !arith; k++) if (toks[k]!.type === T.ARITH) arith = true;
  return arith ? { end: e.end, info: e } : NONE;
}

/**
 * Quoted reading: an arithmetic or bitwise operator right after the break continues the broken string. The
 * broken string is at most one word (x'|…, ' / 1 …): after two words the quote opens a quotation in
 * prose ("the option '-x<n>'"). A quote, a symbol and a quote after a non-word character is a quoted
 * symbol (get('/', …), "'^' is used for"), not an operator.
 */
export function stringArithmetic(input: string, quote: string, r: SqlReader, toks: readonly Token[]): Operand {
  if (toks[1]?.type !== T.ARITH) return NONE;
  // "…9"&page=2: '&' then name= separates the parameters of a URL query string
  if (toks[1].value === '&' && toks[2]?.type === T.BAREWORD && toks[3]?.value === '=') return NONE;
  if (/\S\s+\S/.test(toks[0]!.value) || quotedSymbol(input, quote)) return NONE;
  const e = r.expr(0);
  return e.end > 2 ? { end: e.end, info: e } : NONE;
}

function quotedSymbol(input: string, quote: string): boolean {
  const q = input.indexOf(quote);
  if (q > 0 && /\w/.test(input[q - 1]!)) return false;
  let k = q + 1;
  while (k < input.length && k - q <= 4 && input[k] !== quote && !/[\s\w]/.test(input[k]!)) k++;
  return k > q + 1 && input[k] === quote;
}

/**
 * Confidence for a quoted-reading operand that itself compares (`x'|3!='4`): the expression must end
 * the value (in the application's own closing quote) or be commented out.
 */
export function comparingOperand(toks: readonly Token[], o: Operand, commented: boolean): number {
  const e = o.info;
  if (e === undefined || !e.compare) return 0;
  const after = toks[o.end];
  if (after === undefined || commented) return e.tautology ? 0.92 : 0.85;
  return 0;
}

/**
 * No comparison, but bitwise or integer operators between the broken string and the application's own
 * closing quote (`x' & 'y`, `x' div 'y`, `x'|+'1`): arithmetic on strings, which only a probe writes.
 * Plus and minus are left out: prose joins quoted words with them.
 */
export function stringOperatorProbe(toks: readonly Token[], o: Operand): number {
  if (o.info === undefined || o.end !== toks.length) return 0;
  // the broken string is one word glued to the quote (x' & 'y): not "the '%' sign", not a table cell |'|
  const head = toks[0]!.value;
  if (!/^[\p{L}\p{N}_.]+$/u.test(head)) return 0;
  const last = toks[toks.length - 1]!;
  if (last.type !== T.STRING || last.closed || !/[a-z0-9]/i.test(last.value)) return 0;
  const op = toks[1]!.value;
  return op === '+' || op === '-' ? 0 : 0.8;
}

/**
 * Raw reading: the value is one numeric operand (a number, a variable, arithmetic on them) and then an
 * empty comment to the end (`1--`, `2 * 3 /*`, `@v /*`): it ends a numeric condition and comments out the
 * rest of the query. '#' is left out (a number then '#' is text: "room 4 #").
 */
export function commentedOperand(input: string, r: SqlReader, toks: readonly Token[], all: readonly Token[]): number {
  if (all.length !== toks.length + 1 || all[all.length - 1]!.type !== T.COMMENT) return 0;
  let end = input.length;
  while (end > 0 && input.charCodeAt(end - 1) <= 32) end--;
  const c1 = input[end - 2], c2 = input[end - 1];
  if (!((c1 === '-' && c2 === '-') || (c1 === '/' && c2 === '*'))) return 0;
  if (input[end - 3] === '-') return 0; // a rule of dashes (12 ------)
  const t0 = toks[0];
  if (t0 === undefined || !(t0.type === T.NUMBER || t0.type === T.VARIABLE || (t0.type === T.ARITH && t0.value === '-'))) return 0;
  for (const t of toks) if (t.type === T.NUMBER && t.value.endsWith('.')) return 0; // an enumerator: "1.  --"
  for (const t of toks) if (t.type !== T.NUMBER && t.type !== T.VARIABLE && t.type !== T.ARITH && t.type !== T.LPAREN && t.type !== T.RPAREN) return 0;
  return r.expr(0).end === toks.length ? 0.8 : 0;
}
