import { C_AMP, C_BACKSLASH, C_PIPE } from '../decode/charclass.js';
import { isIdentChar, isLetter } from './chars.js';
import { add, type Sink } from './paranoid-sink.js';
import { CLAUSES, COMPARE_WORDS, KEYWORDS, LOGIC_WORDS, STATEMENTS, T, VALUE_WORDS } from './sqli/lexicon.js';
import { tokenize } from './sqli/tokenizer.js';

/**
 * The paranoia-level SQL rules, which paranoid.ts runs in its order: comment sequences next to code,
 * keyword-only values, operator and predicate fragments, LDAP filter syntax, hex-encoded text.
 */

const isAlpha = isLetter;
const isWordCh = isIdentChar;

/** SQL words that make up a keyword-only value (`order by`, `exec xp`, `union all`). */
export const SQL_WORDS = new Set([...STATEMENTS, ...CLAUSES, ...KEYWORDS, ...LOGIC_WORDS, 'union', 'order', 'group', 'by', 'like', 'where', 'not', 'null', 'xp', 'sp', 'print']);

/** SQL comment sequences next to code: '-- ;-- )-- a leading or trailing --, slash-star, MySQL /*!. */
export function sqlComments(s: string, sink: Sink): void {
  const t = s.trim();
  if ((t.indexOf('/*') >= 0 && !/^[\w./-]*\/\*[\w.-]*\/?$/.test(t)) || /\*\/\s*(?:[='"]|--)/.test(t)) { add(sink, 2, 'sqli', 'SQL block comment'); return; } // a/* glob is a path
  const dd = t.indexOf('--');
  if (dd < 0) return;
  if (dd === 0 && (t.charCodeAt(2) === 32 || isAlpha(t.charCodeAt(2))) && t.length > 3) { add(sink, 2, 'sqli', 'leading SQL line comment'); return; }
  for (let i = dd; i >= 0; i = t.indexOf('--', i + 2)) {
    let p = i - 1; while (p >= 0 && t.charCodeAt(p) === 32) p--;
    const prev = t.charCodeAt(p);
    // after a quote, ';', ')' — and nothing but one word after it: "Save" -- iOS 17.2 is prose
    const rest = t.slice(i + 2).trim();
    if ((prev === 39 || prev === 34 || prev === 59 || prev === 41 || prev === 35) && rest.indexOf(' ') < 0) { add(sink, 2, 'sqli', 'SQL line comment after code'); return; }
    if (i + 2 === t.length && p === i - 1 && isWordCh(prev)) { add(sink, 2, 'sqli', 'trailing SQL line comment'); return; }
  }
}

/**
 * A value that is only SQL vocabulary, or a short run of SQL-only operators: a comment with at most one
 * word (`; --`, `1/*'*\/`), `||`/`&&` beside numbers or parentheses (`(||6)`), arithmetic on a boolean
 * literal (`1-false`), a system or listed variable (`@@version`, `,@v`), an unclosed quote glued to a word.
 */
export function sqlKeywordsOnly(t: string, sink: Sink): void {
  const words = t.split(/\s+/);
  if (words.length <= 3 && words.every((w) => SQL_WORDS.has(w)) && !PROSE_SQL.has(words[0]!)) { add(sink, 3, 'sqli', 'SQL keywords only'); return; }
  if (/^(?:exec|execute|call)\s+[a-z_]+$/.test(t)) add(sink, 3, 'sqli', 'SQL keywords only');
}

/** At most three words of [a-z_] (every SQL_WORDS entry is one): what sqlKeywordsOnly needs. */
export const THREE_WORDS = /^[a-z_]+(?:\s+[a-z_]+){0,2}$/;

export function sqlFragment(t: string, sink: Sink): void {
  if (!/[-/*#;@|&'"()+%=<>,]/.test(t)) return; // every fragment below needs SQL punctuation
  const toks = tokenize(t, { maxTokens: 32 });
  let comments = 0, names = 0;
  for (let i = 0; i < toks.length; i++) {
    const k = toks[i]!;
    // -- and slash-star comments not written after a word (prose dashes: "Yes -- I agree"); # is too common
    if (k.type === T.COMMENT && k.value !== '#' && (i === 0 || AFTER_CODE.has(toks[i - 1]!.type))) comments++;
    else if (k.type === T.BAREWORD || k.type === T.OTHER) names++;
  }
  if (comments > 0 && names <= 1 && toks.length >= 2) { add(sink, 3, 'sqli', 'SQL comment fragment'); return; }
  for (let i = 0; i < toks.length; i++) {
    const k = toks[i]!, nx = toks[i + 1], pv = toks[i - 1];
    if (k.type === T.LOGIC && (k.value === '||' || k.value === '&&') && (pv?.type === T.LPAREN || nx?.type === T.NUMBER || nx?.type === T.LPAREN)) { add(sink, 3, 'sqli', 'SQL logic operator fragment'); return; }
    if (k.type === T.ARITH && pv?.type === T.NUMBER && nx?.type === T.NUMBER && /^[a-z]/.test(nx.value)) { add(sink, 3, 'sqli', 'arithmetic on a literal keyword'); return; }
    if (k.type === T.VARIABLE && (k.value.startsWith('@@') || pv?.type === T.COMMA || pv?.type === T.LPAREN || (k.value.length > 1 && pv?.type === T.STATEMENT))) { add(sink, 3, 'sqli', 'SQL variable'); return; }
  }
  if (/^['"][+\s]?[a-z_][a-z0-9_]*;?$/.test(t)) { add(sink, 3, 'sqli', 'quote glued to a word'); return; }
  // a predicate fragment: a logic or comparison word first, then an operand (' or x=y', ' like '%'')
  const f = toks[0]?.type === T.STRING && toks[0].closed && toks.length <= 3 && toks[0].value === '' ? 1 : 0;
  const head = toks[f];
  if (head && (head.type === T.LOGIC || (head.type === T.COMPARE && /^[a-z]/.test(head.value))) && toks.length - f >= 2 && toks.length <= 8) {
    if (toks[f + 1]!.type === T.STRING || toks.slice(f + 1).some((k) => k.type === T.COMPARE)) { add(sink, 3, 'sqli', 'SQL predicate fragment'); return; }
  }
  if (/^['"]\s*(?:or|and|xor|union|having|where)$/.test(t)) add(sink, 3, 'sqli', 'quote then a SQL operator word');
}

/** Words whose token sqlFragment's rules look for: a predicate's head (logic, comparison) and a literal keyword operand. */
const FRAGMENT_WORDS = new Set([...LOGIC_WORDS, ...COMPARE_WORDS, ...VALUE_WORDS]);
const LONGEST_FRAGMENT_WORD = Math.max(...[...FRAGMENT_WORDS].map((w) => w.length));

/**
 * sqlFragment's pre-filter. After its punctuation check, each of its rules needs one of: a `--` or slash-star
 * comment, `||`/`&&` (C_PIPE, C_AMP), an @variable, a leading quote, `\N` (C_BACKSLASH), or a word of
 * FRAGMENT_WORDS as the first token (a predicate's head) or right after an arithmetic operator (a literal
 * keyword operand: 1-false). Such a token is a maximal run of [a-z_] in the lower-cased value: the
 * tokenizer's words run to a character outside it, and what ends right before one (the start, blanks, an
 * operator, or a `div` glued between numbers, which is followed by a digit or a non-word character) is
 * outside it too. So one scan for those runs finds every word the rules could use.
 */
export function mayBeSqlFragment(t: string, cls: number): boolean {
  if ((cls & (C_PIPE | C_AMP | C_BACKSLASH)) !== 0) return true;
  const c0 = t.charCodeAt(0);
  if (c0 === 39 || c0 === 34 || t.indexOf('@') >= 0 || t.indexOf('--') >= 0 || t.indexOf('/*') >= 0) return true;
  const n = t.length;
  for (let i = 0; i < n;) {
    if (!isLowerWordCh(t.charCodeAt(i))) { i++; continue; }
    const start = i;
    while (i < n && isLowerWordCh(t.charCodeAt(i))) i++;
    if (i - start >= 2 && i - start <= LONGEST_FRAGMENT_WORD && FRAGMENT_WORDS.has(t.slice(start, i))) return true;
  }
  return false;
}

function isLowerWordCh(c: number): boolean { return (c >= 97 && c <= 122) || c === 95; }

/** LDAP filter syntax (filed with SQL injection by most lists): (|(…)), (&(…)), *)(, a filter wildcard attribute. */
export function ldapFilter(t: string, sink: Sink): void {
  if (/\(\s*[|&!]\s*\(|\*\s*\)\s*\(|\(\s*[a-z]+\s*=\s*\*\s*\)/.test(t)) add(sink, 3, 'sqli', 'LDAP filter syntax');
}

/** A 0x… literal long enough to be a string, that decodes to text (0x77006100… is "wa" in UTF-16). */
export function hexString(t: string, sink: Sink): void {
  const m = /0x([0-9a-f]{16,})/.exec(t);
  if (!m) return;
  const hex = m[1]!.length % 2 === 0 ? m[1]! : m[1]!.slice(0, -1);
  const buf = Buffer.from(hex.slice(0, 512), 'hex');
  let printable = 0, nul = 0;
  for (const b of buf) { if (b >= 32 && b < 127) printable++; else if (b === 0) nul++; else return; }
  if (printable >= 4 && printable + nul === buf.length) add(sink, 2, 'sqli', 'hex-encoded text literal');
}
/** Tokens a comment may follow in an injected fragment (not a word or a number of prose: "Error 404 -- …"). */
const AFTER_CODE = new Set<string>([T.STRING, T.SEMICOLON, T.RPAREN, T.LPAREN, T.COMPARE, T.ARITH, T.COMMA, T.LOGIC]);
/** Keyword-only phrases that are ordinary English answers. */
const PROSE_SQL = new Set(['all', 'none', 'end', 'if', 'on', 'in', 'as', 'to', 'by', 'for', 'with', 'and', 'or', 'not', 'key', 'time', 'user',
  'view', 'index', 'mode', 'left', 'right', 'top', 'add', 'lock', 'share', 'table', 'tables', 'path', 'json', 'xml', 'function', 'window', 'over',
  'then', 'else', 'when', 'any', 'some', 'from', 'into', 'values', 'login', 'column', 'columns', 'schema', 'database', 'show', 'use', 'set', 'call',
  'load', 'copy', 'kill', 'begin', 'commit', 'explain', 'backup', 'restore', 'merge', 'rename', 'true', 'false', 'null', 'is', 'between', 'asc',
  'default', 'returning', 'partition', 'outer', 'inner', 'cross', 'natural', 'using', 'case', 'exists', 'primary', 'foreign', 'references', 'delay']);
