import { T } from './lexicon.js';
import type { Token } from './tokenizer.js';

/** PostgreSQL number types a `::` cast names. */
const NUMBER_TYPES = new Set(['int', 'integer', 'bigint', 'smallint', 'int2', 'int4', 'int8', 'numeric', 'decimal', 'float', 'float4', 'float8', 'real', 'oid']);

/**
 * PostgreSQL's error-based read: a call's result cast to a number with `::` (`overlay(password placing ''
 * from 1 for 0)::int`, `version()::int`) fails with an error that prints the text it could not convert.
 * Matches a word directly called (`name(…)`, arguments balanced within a bounded window) at the start of the
 * value or as an operand (after a boolean, comparison or `(`), then `::` and a number type. Linear.
 */
export function numericCast(toks: readonly Token[], k: number): number {
  const w = toks[k];
  if (w === undefined || (w.type !== T.FUNCTION && w.type !== T.BAREWORD && w.type !== T.KEYWORD) || w.spaced) return 0;
  if (toks[k + 1]?.type !== T.LPAREN) return 0;
  const prev = toks[k - 1];
  if (prev !== undefined && prev.type !== T.LOGIC && prev.type !== T.COMPARE && prev.type !== T.LPAREN) return 0;
  let depth = 0;
  let j = k + 1;
  for (; j < toks.length && j < k + 64; j++) {
    const t = toks[j]!;
    if (t.type === T.LPAREN) depth++;
    else if (t.type === T.RPAREN && --depth === 0) break;
    else if (t.type === T.SEMICOLON) return 0;
  }
  if (depth !== 0 || toks[j + 1]?.value !== '::') return 0;
  const type = toks[j + 2];
  return type !== undefined && NUMBER_TYPES.has(type.value) ? 0.85 : 0;
}
