import { C_AMP, C_AT, C_BACKTICK, C_COMMA, C_DASH, C_DQUOTE, C_EQ, C_GT, C_HASH, C_LT, C_PAREN, C_PIPE, C_RPAREN, C_SEMI, C_SLASH, C_SQUOTE, C_STAR, charClasses } from '../../decode/charclass.js';
import { CATALOG_WORDS, CLAUSE_PAIRS, DANGEROUS_FUNCTIONS, PROBE_FUNCTIONS } from './lexicon.js';
import { isWord, isWordStart, WORD_TYPE } from './tokenizer.js';

/** SQL punctuation read at once: ' " ( ) ; = < > # * | & ` , */
const PUNCT = C_SQUOTE | C_DQUOTE | C_PAREN | C_RPAREN | C_SEMI | C_EQ | C_LT | C_GT | C_HASH | C_STAR | C_PIPE | C_AMP | C_BACKTICK | C_COMMA;
/** The SQL punctuation a value of quoted words may hold (quotedWordsOnly). */
const QUOTES_COMMA = C_SQUOTE | C_DQUOTE | C_COMMA;
/** SQL punctuation read only with a word around it: - @ / */
const DASH_AT = C_DASH | C_AT | C_SLASH;

/**
 * Quick reject: text without a character or word SQL injection needs. `classes`: charClasses(s), when the
 * caller has it (decodeValue does).
 */
export function mayBeSql(s: string, classes = charClasses(s)): boolean {
  if ((classes & PUNCT) !== 0) return (classes & (PUNCT & ~QUOTES_COMMA)) !== 0 || (classes & DASH_AT) !== 0 || !quotedWordsOnly(s);
  return mayBeSqlUnquoted(s, classes);
}

/**
 * mayBeSql without the quoted-words refinement (any quote reads the value): what the refinement is held to
 * (test/unit/threat/sqli-quoted-words.test.ts compares detectSqli under both).
 */
export function mayBeSqlPlain(s: string, classes = charClasses(s)): boolean {
  if ((classes & PUNCT) !== 0) return true;
  return mayBeSqlUnquoted(s, classes);
}

function mayBeSqlUnquoted(s: string, classes: number): boolean {
  if ((classes & DASH_AT) !== 0) return sqlAroundDashOrAt(s);
  // keyword-only fragments ("1 or true", " ORDER BY 5") need a space and one of the words they are made of
  if (s.indexOf(' ') < 0 && !hasOtherBlank(s)) return false;
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) | 0x20 : 32;
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 0x7f;
    if (word) { if (start < 0) start = i; continue; }
    if (start >= 0 && i - start <= 9 && TRIGGER_SHAPES.has(shapeOf(s, start, i)) && TRIGGER_WORDS.has(s.slice(start, i).toLowerCase())) return true;
    start = -1;
  }
  return false;
}

/**
 * A blank other than the space that the tokenizer (and MySQL, SQL Server, PostgreSQL) reads as whitespace:
 * tab, LF, VT, FF, CR, NBSP, NUL (sqlmap's space2mysqlblank / space2mssqlblank write these for spaces).
 */
function hasOtherBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 9 && c <= 13) || c === 0xa0 || c === 0) return true;
  }
  return false;
}

/** Words a SQL fragment without punctuation is made of (or 1 = 1 needs '='; these do not). */
export const TRIGGER_WORDS = new Set(['or', 'and', 'xor', 'union', 'select', 'order', 'group', 'having', 'where', 'waitfor', 'limit',
  'procedure', 'into', 'exec', 'execute', 'drop', 'insert', 'delete', 'update', 'shutdown', 'declare', 'truncate', 'alter',
  'create', 'grant', 'revoke', 'like', 'rlike', 'regexp', 'between', 'sleep', 'benchmark', 'not', 'null', 'is', 'in', 'as',
  'begin', 'end', 'print', 'backup', 'copy', 'pragma', 'attach', 'handler', 'load', 'replace', 'rename', 'merge', 'call',
  'from', 'join']);

/**
 * An ASCII word's first and last character (letters lower-cased) and length: a set member's shape is the
 * shape of the word it is looked up with, so a word of a shape no member has needs no slice and lookup.
 * (A small integer for ASCII words; used only for them.)
 */
function shapeOf(s: string, start: number, end: number): number {
  const a = s.charCodeAt(start), z = s.charCodeAt(end - 1);
  return ((a >= 65 && a <= 90 ? a + 32 : a) * 128 + (z >= 65 && z <= 90 ? z + 32 : z)) * 256 + Math.min(end - start, 255);
}
const shapes = (words: Iterable<string>) => new Set([...words].map((w) => shapeOf(w, 0, w.length)));
const TRIGGER_SHAPES = shapes(TRIGGER_WORDS);

/**
 * Every word the SQL readings give a meaning: a token type other than a plain name (tokenizer.ts WORD_TYPE),
 * the halves of multi-word forms the tokenizer joins (order by, union all, waitfor delay, sounds like), and
 * the names the rules look up (catalog objects, probe and dangerous functions).
 */
const MEANINGFUL = new Set<string>([...WORD_TYPE.keys(), ...CATALOG_WORDS, ...PROBE_FUNCTIONS, ...DANGEROUS_FUNCTIONS,
  ...Object.keys(CLAUSE_PAIRS), ...Object.values(CLAUSE_PAIRS), 'all', 'distinct', 'waitfor', 'delay', 'sounds', 'like', 'not', 'union']);
const LONGEST_MEANINGFUL = Math.max(...[...MEANINGFUL].map((w) => w.length));
const MEANINGFUL_SHAPES = shapes(MEANINGFUL);

/**
 * A value whose only SQL punctuation is '-', '@' or '/' (SKU-1234-XL, sean@example.com, /api/v1/orders).
 * Without a quote, parenthesis, ';', '=', '<', '>', '#', '*', '|', '&', '`' or ',', its raw reading can only
 * hold names, numbers, @variables and the operators - + ~ % ^ / . :: — and no rule reads that as SQL: every
 * rule needs a word with SQL meaning, a `--` comment, an @@system variable or a '!' (NOT). ('/' is division,
 * lexed alone as '+' is: it starts no other operator, a slash-star comment needs the '*' checked above, and
 * no rule looks at a '/' token's text.) A run of word characters that starts with a digit or '$' may hold a
 * word the tokenizer splits off (1or1, 0xabor, $select), so it counts when it holds anything but digits.
 * (The probes need a quote, '*' or a comment; the LDAP reading '('.)
 */
function sqlAroundDashOrAt(s: string): boolean {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (!isWord(c)) {
      if (c === 33 /* ! */) return true;
      if ((c === 45 || c === 64) && s.charCodeAt(i + 1) === c) return true; // -- @@
      i++;
      continue;
    }
    const start = i;
    let digitsOnly = c >= 48 && c <= 57;
    // (a run with a character past ASCII may change length or letters when lower-cased: looked up as it is)
    let ascii = true;
    while (i < n && isWord(s.charCodeAt(i))) { const k = s.charCodeAt(i); if (k < 48 || k > 57) digitsOnly = false; if (k >= 128) ascii = false; i++; }
    if (!isWordStart(c)) { if (!digitsOnly) return true; continue; }
    if (i - start <= LONGEST_MEANINGFUL && (!ascii || MEANINGFUL_SHAPES.has(shapeOf(s, start, i))) && MEANINGFUL.has(s.slice(start, i).toLowerCase())) return true;
  }
  return false;
}

/**
 * Words, spaces, quotes, commas and dots only, no word with SQL meaning, and no quote first (`O'Brien`, `a'b`,
 * `"x" y`, `red, green`, `12 O'Connell St.`, the cheapest values to send by the thousand): no SQL reading or
 * probe can find anything in it. Every reading (raw, inside '…', inside "…", and the re-readings of
 * detect.ts) tokenizes such a value into names, plain numbers (1.5, .5, 1.), strings, commas and dots only —
 * no operator, comment, parenthesis, ';', variable, call or typed word (the operator words a number may have
 * glued after it, 1.or, are typed words), since
 * the characters those are made of are absent and every word that could be typed (MEANINGFUL: WORD_TYPE's
 * words, the halves of multi-word forms, catalog and function names) is absent — and every rule of
 * detect.ts and its helpers needs one of those tokens: `tail` reads only typed tokens (a bare comment needs a
 * comment token), spacedCall a boolean operator, loginTerminate ';', stringArithmetic an operator,
 * leadingArithmetic an operator, call or '(', commentedOperand and commentedTautology a comment,
 * metadataComparison and numericCast a call, the anywhere loop a statement, union, ';', clause, call,
 * variable or keyword, or a catalog name before '.' (a typed word here); a comma is read only after one of
 * those or (tail's values list) before a ')', and a dot only after a name the lexicon knows (catalog and
 * package names: typed words here) or by rules reached from a typed token. A run of word characters that starts with a digit and holds anything else may
 * be split by the tokenizer (1or1, 0x…, 1e5): it counts. The probes need a leading single quote (quoteGluedToWord;
 * its '+' and '||' forms need those characters), a backslash, '*' or '_' with '-' '#' '*'; LDAP '('; the
 * assigned fragment '='; ODBC escapes '{'. An empty exponent (1.e, then '.' ',' or '(') is dropped and the rest
 * read again: that text is of this class too (the number becomes a space), so it reads as nothing. Non-ASCII characters count as
 * word characters, as the tokenizer reads them (not NBSP, a blank to it, nor U+2010–205E, punctuation to it).
 */
function quotedWordsOnly(s: string): boolean {
  const n = s.length;
  let i = 0;
  while (i < n && s.charCodeAt(i) === 32) i++;
  if (s.charCodeAt(i) === 39) return false;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 39 || c === 34 || c === 44 || c === 46) { i++; continue; }
    if (!quotedWordChar(c)) return false;
    const start = i;
    const digitStart = c >= 48 && c <= 57;
    let ascii = true, digitsOnly = true;
    while (i < n) {
      const k = s.charCodeAt(i);
      if (k === 32 || k === 39 || k === 34 || k === 44 || k === 46) break;
      if (!quotedWordChar(k)) return false;
      if (k < 48 || k > 57) digitsOnly = false;
      if (k >= 128) ascii = false;
      i++;
    }
    if (digitStart) { if (!digitsOnly) return false; continue; }
    // (past ASCII, lower-casing may change the length and letters: looked up whatever its shape)
    if ((!ascii || (i - start <= LONGEST_MEANINGFUL && MEANINGFUL_SHAPES.has(shapeOf(s, start, i)))) && MEANINGFUL.has(s.slice(start, i).toLowerCase())) return false;
  }
  return true;
}

/** ASCII letters, digits, '_', and what the tokenizer reads as a word character past ASCII. */
function quotedWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || (c >= 0x80 && c !== 0xa0 && !(c >= 0x2010 && c <= 0x205e));
}
