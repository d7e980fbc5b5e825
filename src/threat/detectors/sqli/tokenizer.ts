import {
  ARITH_WORDS, CLAUSE_PAIRS, CLAUSES, COMPARE_WORDS, KEYWORDS, LOGIC_WORDS, STATEMENTS, T, VALUE_WORDS,
  DANGEROUS_FUNCTIONS, type TokenType,
} from './lexicon.js';
import { isDigit } from '../chars.js';

export interface Token {
  type: TokenType;
  /** Lower-case word or operator text; string contents for strings (bounded). */
  value: string;
  /** Comment tokens: true for a comment that runs to the end of the input (`--`, `#`, unclosed slash-star). */
  toEnd: boolean;
  /** String tokens: false when the input ended before the closing quote (true for every other token). */
  closed: boolean;
  /** Function tokens: the call had whitespace before '(' (only known SQL functions become calls then). */
  spaced: boolean;
}

/** Every token carries every field, so all share one object shape (one hidden class at the read sites). */
function tok(type: TokenType, value: string, toEnd = false, closed = true, spaced = false): Token {
  return { type, value, toEnd, closed, spaced };
}

export interface TokenizeOptions {
  /** Start inside a string literal opened by this quote, or a backtick-quoted identifier (the context an injected value lands in). */
  quote?: '\'' | '"' | '`';
  /** Stop after this many tokens (rules only look at the first ones). */
  maxTokens?: number;
}

const MAX_STRING_VALUE = 64;

/** Word → token type, one lookup per word. Built lowest precedence first, so later sets win. */
export const WORD_TYPE: ReadonlyMap<string, TokenType> = (() => {
  const m = new Map<string, TokenType>();
  const add = (words: Iterable<string>, t: TokenType) => { for (const w of words) m.set(w, t); };
  add(KEYWORDS, T.KEYWORD);
  add(['where'], T.CLAUSE);
  add(CLAUSES, T.CLAUSE);
  add(STATEMENTS, T.STATEMENT);
  add(VALUE_WORDS, T.NUMBER);
  add(ARITH_WORDS, T.ARITH);
  add(COMPARE_WORDS, T.COMPARE);
  add(['not'], T.NOT);
  add(LOGIC_WORDS, T.LOGIC);
  add(['union'], T.UNION);
  return m;
})();

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0;
}
export function isWordStart(c: number): boolean {
  // letters of any script are word characters; typographic punctuation (dashes, primes, curly quotes) is not
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 0x80 && !(c >= 0x2010 && c <= 0x205e));
}
export function isWord(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}
function isHex(c: number): boolean { return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70); }

const OPS3 = ['<=>', '->>', '!<>'];
/** Characters that can continue a multi-character operator. */
function isOpChar(c: number): boolean {
  return c === 60 || c === 61 || c === 62 || c === 33 || c === 124 || c === 38 || c === 58 || c === 45 || c === 126 || c === 42;
}
const OPS2 = new Map<string, TokenType>([
  ['<=', T.COMPARE], ['>=', T.COMPARE], ['<>', T.COMPARE], ['!=', T.COMPARE], ['==', T.COMPARE], ['!<', T.COMPARE],
  ['!>', T.COMPARE], [':=', T.COMPARE], ['||', T.LOGIC], ['&&', T.LOGIC], ['<<', T.ARITH], ['>>', T.ARITH],
  ['::', T.ARITH], ['->', T.ARITH], ['~*', T.COMPARE], ['!~', T.COMPARE],
  // PostgreSQL JSON/array containment ('{"a":1}' @> '{}'); '<@' stays '<' then a variable (MySQL reads it so)
  ['@>', T.COMPARE],
]);
const OPS1: Record<string, TokenType> = {
  '=': T.COMPARE, '<': T.COMPARE, '>': T.COMPARE, '+': T.ARITH, '-': T.ARITH, '*': T.ARITH, '/': T.ARITH,
  '%': T.ARITH, '^': T.ARITH, '|': T.ARITH, '&': T.ARITH, '~': T.ARITH, '!': T.NOT,
  '(': T.LPAREN, ')': T.RPAREN, ',': T.COMMA, ';': T.SEMICOLON, '.': T.DOT,
};

/**
 * SQL lexer in the spirit of libinjection: reads the input as a DBMS would after it was pasted into a
 * query, optionally starting inside a quoted string. Handles string escapes (doubled quotes and
 * backslashes), MySQL executable comments (their body is code), `--`/`#`/slash-star comments, hex and
 * decimal numbers, @variables, backtick identifiers and multi-word clauses. Linear time.
 */
export function tokenize(input: string, opts: TokenizeOptions = {}): Token[] {
  const out: Token[] = [];
  const max = opts.maxTokens ?? 64;
  const n = input.length;
  let i = 0;
  let inExecComment = false;


  if (opts.quote === '`') {
    // inside a backtick-quoted identifier: it ends at the next backtick (a doubled one is part of the name)
    let j = 0;
    while (j < n && !(input.charCodeAt(j) === 96 && input.charCodeAt(j + 1) !== 96)) j += input.charCodeAt(j) === 96 ? 2 : 1;
    out.push(tok(T.STRING, input.slice(0, Math.min(j, MAX_STRING_VALUE)), false, j < n));
    i = j < n ? j + 1 : n;
  } else if (opts.quote) i = readString(input, n, out, opts.quote.charCodeAt(0), 0);

  while (i < n && out.length < max) {
    const c = input.charCodeAt(i);
    if (isSpace(c)) { i++; continue; }
    // comments
    if (c === 45 /* - */ && input.charCodeAt(i + 1) === 45) {
      const nl = input.indexOf('\n', i + 2);
      out.push(tok(T.COMMENT, '--', nl < 0));
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === 35 /* # */) {
      const nl = input.indexOf('\n', i + 1);
      out.push(tok(T.COMMENT, '#', nl < 0));
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === 47 /* / */ && input.charCodeAt(i + 1) === 42 /* * */) {
      if (input.charCodeAt(i + 2) === 33 /* ! */) { // MySQL executable comment: the body is code
        i += 3;
        while (i < n && isDigit(input.charCodeAt(i))) i++;
        inExecComment = true;
        continue;
      }
      const close = input.indexOf('*/', i + 2);
      out.push(tok(T.COMMENT, '/*', close < 0));
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (inExecComment && c === 42 && input.charCodeAt(i + 1) === 47) { i += 2; inExecComment = false; continue; }
    // strings and quoted identifiers
    if (c === 39 || c === 34) { i = readString(input, n, out, c, i + 1); continue; }
    if (c === 96 /* ` */) {
      const close = input.indexOf('`', i + 1);
      const end = close < 0 ? n : close;
      out.push(tok(T.BAREWORD, input.slice(i + 1, Math.min(end, i + 1 + MAX_STRING_VALUE)).toLowerCase()));
      i = close < 0 ? n : close + 1;
      continue;
    }
    // [name]: a T-SQL bracketed identifier (one word; a bracket around prose or a list index stays punctuation)
    if (c === 91 /* [ */ && isWordStart(input.charCodeAt(i + 1))) {
      let j = i + 1;
      while (j < n && j - i <= MAX_STRING_VALUE && isWord(input.charCodeAt(j))) j++;
      if (input.charCodeAt(j) === 93 /* ] */) {
        out.push(tok(T.BAREWORD, input.slice(i + 1, j).toLowerCase()));
        i = j + 1;
        continue;
      }
    }
    // \N: MySQL's spelling of NULL (upper case only, not followed by a word character unless that word is an
    // operator glued to it, as after a number: \Nunion select is NULL UNION SELECT)
    if (c === 92 /* \ */ && input.charCodeAt(i + 1) === 78) {
      const glued = isWord(input.charCodeAt(i + 2)) ? gluedOperator(input, n, i + 2) : '';
      if (glued !== undefined) {
        out.push(tok(T.NUMBER, 'null'));
        i += 2;
        if (glued !== '') { i += glued.length; pushWord(input, n, i, out, glued); }
        continue;
      }
    }
    // N'..', X'..', B'..', E'..' string prefixes
    if ((c === 78 || c === 110 || c === 88 || c === 120 || c === 66 || c === 98 || c === 69 || c === 101) && input.charCodeAt(i + 1) === 39) {
      i = readString(input, n, out, 39, i + 2);
      continue;
    }
    // numbers
    if (isDigit(c) || (c === 46 && isDigit(input.charCodeAt(i + 1)))) {
      let j = i;
      if (c === 48 && (input.charCodeAt(i + 1) === 120 || input.charCodeAt(i + 1) === 88) && isHex(input.charCodeAt(i + 2))) {
        j = i + 2;
        while (j < n && isHex(input.charCodeAt(j))) j++;
      } else if (c === 48 && (input.charCodeAt(i + 1) === 98 || input.charCodeAt(i + 1) === 66) && (input.charCodeAt(i + 2) === 48 || input.charCodeAt(i + 2) === 49)) {
        j = i + 2;
        while (j < n && (input.charCodeAt(j) === 48 || input.charCodeAt(j) === 49)) j++;
      } else {
        while (j < n && isDigit(input.charCodeAt(j))) j++;
        if (input.charCodeAt(j) === 46) { j++; while (j < n && isDigit(input.charCodeAt(j))) j++; }
        const e = input.charCodeAt(j);
        if ((e === 101 || e === 69) && (isDigit(input.charCodeAt(j + 1)) || ((input.charCodeAt(j + 1) === 43 || input.charCodeAt(j + 1) === 45) && isDigit(input.charCodeAt(j + 2))))) {
          j += 2;
          while (j < n && isDigit(input.charCodeAt(j))) j++;
        }
      }
      out.push(tok(T.NUMBER, input.slice(i, Math.min(j, i + 32))));
      i = j;
      // 1or1=1 / 1and2: an operator word glued between numbers is still an operator (most DBMS lex it so)
      if (isWordStart(input.charCodeAt(i))) {
        const w = gluedOperator(input, n, i);
        if (w !== undefined) {
          i += w.length;
          pushWord(input, n, i, out, w);
        }
      }
      continue;
    }
    // variables
    if (c === 64 /* @ */ && (isWordStart(input.charCodeAt(i + 1)) || input.charCodeAt(i + 1) === 64 || input.charCodeAt(i + 1) === 39 || input.charCodeAt(i + 1) === 34 || input.charCodeAt(i + 1) === 96)) {
      let j = i + 1;
      if (input.charCodeAt(j) === 64) j++;
      const q = input.charCodeAt(j);
      if (q === 39 || q === 34 || q === 96) {
        const close = input.indexOf(String.fromCharCode(q), j + 1);
        j = close < 0 ? n : close + 1;
      } else {
        while (j < n && (isWord(input.charCodeAt(j)) || input.charCodeAt(j) === 46)) j++;
      }
      out.push(tok(T.VARIABLE, input.slice(i, Math.min(j, i + 64)).toLowerCase()));
      i = j;
      continue;
    }
    // words
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWord(input.charCodeAt(j))) j++;
      const word = input.slice(i, j).toLowerCase();
      i = j;
      pushWord(input, n, i, out, word);
      continue;
    }
    // operators and punctuation
    const c2 = input.charCodeAt(i + 1);
    if (isOpChar(c2)) {
      const c3 = input.charCodeAt(i + 2);
      if (isOpChar(c3)) {
        const three = input.slice(i, i + 3);
        if (OPS3.includes(three)) { out.push(tok(T.COMPARE, three)); i += 3; continue; }
      }
      const two = input.slice(i, i + 2);
      const t2 = OPS2.get(two);
      if (t2 !== undefined) { out.push(tok(t2, two)); i += 2; continue; }
    }
    const ch = input[i]!;
    const t1 = OPS1[ch];
    out.push(tok(t1 ?? T.OTHER, ch));
    i++;
  }
  return out;
}

/** An operator word (and, or, xor, union, div, like) at `i` that ends before a non-word character or a digit, lower-cased. */
function gluedOperator(input: string, n: number, i: number): string | undefined {
  let k = i;
  while (k < n && k - i < 5 && ((input.charCodeAt(k) | 0x20) >= 97 && (input.charCodeAt(k) | 0x20) <= 122)) k++;
  const w = input.slice(i, k).toLowerCase();
  return (LOGIC_WORDS.has(w) || w === 'union' || w === 'div' || w === 'like') && (isDigit(input.charCodeAt(k)) || !isWord(input.charCodeAt(k))) ? w : undefined;
}

function readString(input: string, n: number, out: Token[], quote: number, from: number): number {
  // from: index after the opening quote; returns index after the closing quote (or n)
  let j = from;
  while (j < n) {
    const c = input.charCodeAt(j);
    if (c === 92 /* \ */) { j += 2; continue; }
    if (c === quote) {
      if (input.charCodeAt(j + 1) === quote) { j += 2; continue; }
      out.push(tok(T.STRING, input.slice(from, Math.min(j, from + MAX_STRING_VALUE)), false, true));
      return j + 1;
    }
    j++;
  }
  out.push(tok(T.STRING, input.slice(from, Math.min(n, from + MAX_STRING_VALUE)), false, false));
  return n;
}

/**
 * A comment that ends before the input does — a closed slash-star, or a `--`/`#` line comment ended by a
 * line break: whitespace to every DBMS (`ORDER/**\/BY` and `ORDER#x<LF>BY` are `ORDER BY`).
 */
function inlineComment(t: Token): boolean { return t.type === T.COMMENT && !t.toEnd; }

/** Second halves of the multi-word forms pushWord joins. */
const SECOND_HALVES = new Set(['by', 'all', 'distinct', 'delay', 'like']);

function pushWord(input: string, n: number, i: number, out: Token[], word: string): void {
  // multi-word forms; inline comments between the halves are whitespace, and are dropped when they join
  let p = out.length - 1;
  if (SECOND_HALVES.has(word)) while (p >= 0 && inlineComment(out[p]!)) p--;
  const prev = out[p];
  if (prev) {
    let joined = true;
    if (word === 'by' && prev.type === T.BAREWORD && CLAUSE_PAIRS[prev.value] === 'by') { prev.type = T.CLAUSE; prev.value += ' by'; }
    else if ((word === 'all' || word === 'distinct') && prev.type === T.UNION) prev.value += ' ' + word;
    else if (word === 'delay' && prev.value === 'waitfor') prev.value = 'waitfor delay';
    else if (word === 'like' && prev.value === 'sounds') prev.value = 'sounds like';
    else joined = false;
    if (joined) { out.length = p + 1; return; }
  }
  if (word === 'not' && out.length === 0) { out.push(tok(T.NOT, word)); return; }
  // x::int, x::varchar(9): after PostgreSQL's cast operator a word names a type (a name, or a call with a
  // length), even when the type is also a keyword (int, char, json, time …)
  const cast = prev !== undefined && prev.type === T.ARITH && prev.value === '::';
  // function call: a word directly followed by '(' (or a known SQL function followed by spaces and '(')
  let k = i;
  while (k < n && isSpace(input.charCodeAt(k))) k++;
  if (input.charCodeAt(k) === 40 /* ( */) {
    const callable = !STATEMENTS.has(word) && !LOGIC_WORDS.has(word) && !COMPARE_WORDS.has(word) &&
      word !== 'union' && word !== 'not' && (!KEYWORDS.has(word) || DANGEROUS_FUNCTIONS.has(word));
    if ((callable || cast) && (k === i || DANGEROUS_FUNCTIONS.has(word))) {
      out.push(tok(T.FUNCTION, word, false, true, k !== i));
      return;
    }
  }
  out.push(tok(cast ? T.BAREWORD : wordType(word), word));
}

/**
 * WORD_TYPE's type for a word, BAREWORD for the rest. Most words are names: one whose first and last
 * character and length no listed word has is a name without hashing it for the lookup.
 */
function wordType(word: string): TokenType {
  const a = word.charCodeAt(0), z = word.charCodeAt(word.length - 1);
  if (a < 128 && z < 128 && !WORD_SHAPES.has((a * 128 + z) * 64 + Math.min(word.length, 63))) return T.BAREWORD;
  return WORD_TYPE.get(word) ?? T.BAREWORD;
}
const WORD_SHAPES = new Set([...WORD_TYPE.keys()].map((w) => (w.charCodeAt(0) * 128 + w.charCodeAt(w.length - 1)) * 64 + Math.min(w.length, 63)));

/** The shape of a token list as a string of type characters (comments included), e.g. "s&1o1c". */
export function fingerprint(tokens: readonly Token[], max = 12): string {
  let s = '';
  for (let i = 0; i < tokens.length && i < max; i++) s += tokens[i]!.type;
  return s;
}
