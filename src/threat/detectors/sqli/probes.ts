import type { SqliVerdict } from './detect.js';
import { isDigit, isLetter } from '../chars.js';

/**
 * Probe shapes: values too short to carry a query of their own, written only to learn how the application
 * quotes and comments — the first requests of a manual or scripted injection. Each rule is a fixed
 * character scan (no backtracking) and is named in the verdict's reason.
 *
 * - an unbalanced quote glued to one word (`'probe1`, `'+name`, `' name`): breaks the string, leaves a syntax error
 * - a number split by a backslash-escaped quote (`7\'3`): tests whether the escaping can be escaped
 * - a block comment that holds nothing but quotes (`2/*"*\/`): hides a quote from quote-balancing filters
 * - a MySQL versioned comment (`/*!50001 …*\/`): MySQL-only syntax that executes its body
 * - a comment close the value never opened, followed by SQL (`*\/ or 1--`): the second half of a query
 *   split across two fields (the first field opens the comment)
 * - a comment that names sp_password: MSSQL leaves statements mentioning it out of its trace log
 */
const NONE: SqliVerdict = { confidence: 0, reason: '' };
/** Longest value the quote probe considers: it is one word. */
const MAX_WORD_PROBE = 64;

/** English words written with a leading apostrophe (aphaeresis): a value of one of them is prose. */
const ELISIONS = new Set(['tis', 'twas', 'til', 'till', 'cause', 'cos', 'coz', 'bout', 'round', 'em', 'kay', 'neath', 'nuff', 'scuse', 'sup', 'ello', 'ere', 'fraid', 'gainst', 'mongst', 'nother', 'specially', 'twill', 'twould', 'tween', 'twixt', 'cept']);

function isIdent(c: number): boolean { return isLetter(c) || (c >= 48 && c <= 57) || c === 95; }
function isQuote(c: number): boolean { return c === 39 || c === 34; }
/** The blanks a DBMS skips (the tokenizer's): a NUL after a probe (sqlmap appendnullbyte) trims like a space. */
function isBlank(c: number): boolean { return c === 32 || (c >= 9 && c <= 13) || c === 0 || c === 0xa0; }

export function probeVerdict(s: string): SqliVerdict {
  const n = s.length;
  let a = 0, b = n;
  while (a < b && isBlank(s.charCodeAt(a))) a++;
  while (b > a && isBlank(s.charCodeAt(b - 1))) b--;
  if (b - a <= MAX_WORD_PROBE) {
    const q = quoteGluedToWord(s, a, b);
    if (q) return { confidence: 0.8, reason: `probe:${q}` };
    if (numberSplitByEscapedQuote(s, a, b)) return { confidence: 0.8, reason: 'probe:escaped quote inside a number' };
  }
  // single-character searches first: they are the cheap reject for the common value
  if (s.indexOf('*') >= 0) {
    const c = commentProbe(s);
    if (c) return { confidence: 0.85, reason: `probe:${c}` };
  }
  if (s.indexOf('_') >= 0 && (s.indexOf('-') >= 0 || s.indexOf('#') >= 0 || s.indexOf('*') >= 0)) {
    if (spPasswordComment(s)) return { confidence: 0.85, reason: 'probe:comment naming sp_password (MSSQL trace-log evasion)' };
  }
  return NONE;
}

/**
 * `'word`, `'+word`, `'||word`, `' word`, optionally with a trailing `;`: one quote, never closed. Single
 * quotes only: a double quote before a word is how search boxes start a phrase (`"hello` while typing).
 */
function quoteGluedToWord(s: string, a: number, b: number): string | undefined {
  if (s.charCodeAt(a) !== 39) return undefined;
  let i = a + 1;
  let concat = false;
  if (s.charCodeAt(i) === 43 /* + */) { i++; concat = true; }
  else if (s.charCodeAt(i) === 124 && s.charCodeAt(i + 1) === 124) { i += 2; concat = true; }
  else if (s.charCodeAt(i) === 32) i++; // '+word in a query string arrives as ' word
  if (!isLetter(s.charCodeAt(i)) && s.charCodeAt(i) !== 95) return undefined;
  const w0 = i;
  while (i < b && isIdent(s.charCodeAt(i))) i++;
  const w1 = i;
  if (s.charCodeAt(i) === 59 /* ; */) i++;
  if (i !== b) return undefined;
  if (w1 - w0 < 3) return undefined; // 'n, 's, 'em: fragments of prose
  if (!concat && ELISIONS.has(s.slice(w0, w1).toLowerCase())) return undefined;
  return concat ? 'quote then concatenation with a word' : 'unbalanced quote glued to a word';
}

/** digits, a backslash, a quote, digits — and nothing else. */
function numberSplitByEscapedQuote(s: string, a: number, b: number): boolean {
  let i = a;
  while (i < b && isDigit(s.charCodeAt(i))) i++;
  if (i === a || s.charCodeAt(i) !== 92 || !isQuote(s.charCodeAt(i + 1))) return false;
  const d = i + 2;
  i = d;
  while (i < b && isDigit(s.charCodeAt(i))) i++;
  return i === b && i > d;
}

/** A MySQL versioned comment, a comment of quotes only, or a comment close with no opener followed by SQL. */
function commentProbe(s: string): string | undefined {
  const n = s.length;
  let from = 0;
  let opened = false;
  while (from < n) {
    const open = s.indexOf('/*', from);
    const close = s.indexOf('*/', open < 0 ? from : open + 2);
    if (open < 0 || (close >= 0 && close < open)) {
      // a close with no open before it
      if (close < 0) return undefined;
      if (!opened && sqlAfterClose(s, close)) return 'comment close without an opener, then SQL';
      return undefined;
    }
    opened = true;
    // /*!<digits> — a semver such as /*! 1.2.3 or /*!1.2 is a licence banner, not MySQL
    if (s.charCodeAt(open + 2) === 33 && isDigit(s.charCodeAt(open + 3))) {
      let j = open + 3;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
      if (s.charCodeAt(j) !== 46) return 'MySQL versioned comment';
    }
    if (close < 0) return undefined;
    if (onlyQuotes(s, open + 2, close)) return 'block comment holding only a quote';
    from = close + 2;
  }
  return undefined;
}

function onlyQuotes(s: string, a: number, b: number): boolean {
  let quotes = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (isQuote(c) || c === 96) quotes++;
    else if (!isBlank(c)) return false;
  }
  return quotes > 0;
}

/** After the `*\/` at `at`: `=`, a quote, `;`, a comment — or, when the value starts with it, or / and / union. */
function sqlAfterClose(s: string, at: number): boolean {
  let i = at + 2;
  while (i < s.length && isBlank(s.charCodeAt(i))) i++;
  const c = s.charCodeAt(i);
  if (c === 61 || isQuote(c) || c === 59 || c === 35) return true;
  if (c === 45 && s.charCodeAt(i + 1) === 45) return true;
  for (let k = 0; k < at; k++) if (!isBlank(s.charCodeAt(k))) return false; // prose: "a */ or b"
  let j = i;
  while (j < s.length && j - i < 6 && isLetter(s.charCodeAt(j))) j++;
  if (j === i || isIdent(s.charCodeAt(j))) return false;
  const w = s.slice(i, j).toLowerCase();
  return w === 'or' || w === 'and' || w === 'union' || w === 'xor';
}

/** sp_password right after `--`, `#` or `/*` (spaces aside). */
function spPasswordComment(s: string): boolean {
  const at = s.search(/sp_password/i);
  if (at < 0) return false;
  let p = at - 1;
  while (p >= 0 && isBlank(s.charCodeAt(p))) p--;
  const c = s.charCodeAt(p);
  if (c === 35) return true;
  return p >= 1 && ((c === 45 && s.charCodeAt(p - 1) === 45) || (c === 42 && s.charCodeAt(p - 1) === 47));
}
