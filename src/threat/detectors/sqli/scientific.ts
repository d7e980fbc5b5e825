import { isWord } from './tokenizer.js';

/**
 * MySQL's scientific-notation gap: a number with an empty exponent (`1.e`, `2e`) glued to `(`, `.`, `,` or
 * `)` lexes as a number the parser then drops, so `1.e(ascii 1.e(substring(…`, `information_schema 1.e.tables`
 * read as the plain SQL a filter would have caught. This removes each such number (not after a word
 * character: `v1.e(` is a name) and counts them, so the readings see the text MySQL executes. Linear.
 */
const CANDIDATE = /\d\.?[eE][(.,)]/;

/**
 * Where the exponent letter of a number starting at `i` would stand (after its digits and an optional dot),
 * or -1 when no number starts there: a digit not glued to a word character or a dot before it.
 */
export function exponentAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 48 || c > 57 || (i > 0 && (isWord(s.charCodeAt(i - 1)) || s.charCodeAt(i - 1) === 46))) return -1;
  let j = i;
  while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  if (s.charCodeAt(j) === 46) j++;
  return j;
}

export function dropEmptyExponents(s: string): { text: string; count: number } {
  if (!CANDIDATE.test(s)) return { text: s, count: 0 };
  let out = '';
  let count = 0;
  let from = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const j = exponentAt(s, i);
    if (j < 0) continue;
    const e = s.charCodeAt(j);
    const next = s.charCodeAt(j + 1);
    if ((e === 101 || e === 69) && (next === 40 || next === 46 || next === 44 || next === 41)) {
      out += s.slice(from, i) + ' ';
      from = j + 1;
      count++;
    }
    i = j;
  }
  return { text: count > 0 ? out + s.slice(from) : s, count };
}
