import type { Decoded } from '../decode/normalize.js';
import { CODE_FUNCTIONS, PROSE_WORDS, TIER_A, TOOL_NAMES } from './cmdi-lexicon.js';
import type { InjectionFamily, ParanoiaLevel } from './index.js';
import { cssRule, scriptAssignment, urlExtension } from './paranoid-scans.js';
import { CLAUSES, DANGEROUS_FUNCTIONS, KEYWORDS, LOGIC_WORDS, STATEMENTS, T } from './sqli/lexicon.js';
import { tokenize } from './sqli/tokenizer.js';

/**
 * Paranoia levels 2–4, in the manner of the OWASP Core Rule Set: each level adds rules that catch more
 * and are wrong more often. Level 1 (the detectors themselves) only fires on values that read as an
 * attack; these rules fire on values that only *look like parts* of one.
 *
 * - PL2: a bare command name (`whoami`, `netstat`), HTML markup of any kind and HTML/XML comments and
 *   declarations, template syntax (`{{…}}`, `{%…%}`, `${…}`, `#{…}`, `<%…%>`), SQL comment sequences
 *   next to code (`'--`, `;--`, slash-star), any dot-dot path segment, PHP filter-chain names,
 *   interpreter function calls (`phpversion();`), hex literals that decode to text, NUL bytes.
 * - PL3: a value that is only SQL vocabulary (`select`, `order by`, `exec xp`), SQL operator, comment and
 *   predicate fragments (`; --`, `(||6)`, `1-false`, `' or x=y`), LDAP filter syntax, a quote glued to a
 *   word (`'sqlvuln`), a shell metacharacter
 *   before a word or a `{word}` placeholder (`a;{cmd}`, `<{cmd}`), a `{placeholder}` after a path
 *   separator, a value of line breaks only, script statement shapes (`a="get";`, `$(…)`, `for (…;…;…)`),
 *   a bare sensitive file name.
 * - PL4: any `<`/`>` glued to text, a bare command name that is also an English word, an absolute
 *   file-system path, any `{placeholder}`, a URL to active content (`.svg`, `.xxe`, `.swf` …), SQL
 *   punctuation around a bare operand (`(word)`, `word;`, `@var`, `1*56`), a value of metacharacters only.
 *
 * Every rule is a fixed-pattern scan of the decoded value: linear, no backtracking.
 */
export interface ParanoidFinding { family: InjectionFamily; confidence: number; detail: string; level: number; markup?: boolean }

const HIT = 0.85;
const MAX_FRAGMENT = 96;

/** SQL words that make up a keyword-only value (`order by`, `exec xp`, `union all`). */
const SQL_WORDS = new Set([...STATEMENTS, ...CLAUSES, ...KEYWORDS, ...LOGIC_WORDS, 'union', 'order', 'group', 'by', 'like', 'where', 'not', 'null', 'xp', 'sp', 'print']);
/** Files whose bare name is a disclosure target. */
const SENSITIVE_FILES = new Set(['passwd', 'shadow', 'group', 'hosts', 'boot.ini', 'win.ini', 'system.ini', 'web.config', '.htaccess', '.htpasswd',
  'httpd.conf', 'php.ini', 'my.cnf', '.bash_history', 'id_rsa', 'authorized_keys', '.env', 'config.php', 'wp-config.php', 'sam', 'ntuser.dat', 'known_hosts']);
/** Active-content extensions a URL-valued parameter should not point at. */
const ACTIVE_EXT = new Set(['svg', 'swf', 'xxe', 'xml', 'xsl', 'xslt', 'html', 'htm', 'js', 'php', 'jsp', 'asp', 'aspx', 'hta', 'vbs', 'sh', 'ps1', 'exe']);
const TEMPLATE_PAIRS: Array<[string, string]> = [['{{', '}}'], ['{%', '%}'], ['${', '}'], ['#{', '}'], ['<%', '%>'], ['*{', '}'], ['@{', '}']];

function isAlpha(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90); }
function isWordCh(c: number): boolean { return isAlpha(c) || (c >= 48 && c <= 57) || c === 95; }

export function paranoidFindings(d: Decoded, pl: ParanoiaLevel): ParanoidFinding[] {
  const out: ParanoidFinding[] = [];
  if (pl < 2) return out;
  const s = d.full;
  const lower = s.toLowerCase();
  const t = lower.trim();
  const sink: Sink = { out, pl };
  // CR/LF and punctuation only: header/log splitting or a command separator probe
  if (pl >= 3 && /[\r\n]/.test(s) && /^[^a-z0-9]*$/.test(t)) add(sink, 3, 'cmdi', 'line breaks only');
  if (t.length === 0) return out;
  const short = t.length <= MAX_FRAGMENT;
  const oneWord = short && /^[a-z0-9_.\-]+$/.test(t);

  // ---- PL2 ----
  if (oneWord) {
    const name = t.endsWith('.exe') ? t.slice(0, -4) : t;
    if (TIER_A.has(name) && !PROSE_WORDS.has(name) && !TOOL_NAMES.has(name)) add(sink, 2, 'cmdi', 'bare command name');
    else if (TIER_A.has(name) && !TOOL_NAMES.has(name) && name !== 'true' && name !== 'false') add(sink, 4, 'cmdi', 'bare command name that is also a word');
  }
  templateSyntax(lower, sink);
  markup(lower, sink);
  sqlComments(lower, sink);
  if (/(?:^|[/\\])\.\.(?:[/\\]|$)/.test(d.url.replaceAll('\\\\', '\\'))) add(sink, 2, 'traversal', 'dot-dot segment');
  if (/(?:^|[|/])(?:convert\.(?:iconv|base64|quoted)|string\.(?:rot13|toupper|tolower)|zlib\.(?:deflate|inflate))/.test(t)) add(sink, 2, 'traversal', 'PHP filter chain');
  codeCall(t, sink);
  if (t.indexOf('0x') >= 0) hexString(t, sink);
  if (s.indexOf('\u0000') >= 0) add(sink, 2, 'traversal', 'NUL byte');
  if (pl < 3) return out;

  // ---- PL3 ----
  if (short) sqlFragment(t, sink);
  ldapFilter(t, sink);
  placeholders(lower, sink);
  shellMeta(lower, sink);
  scriptShapes(s, sink);
  if (oneWord && SENSITIVE_FILES.has(t)) add(sink, 3, 'traversal', 'bare sensitive file name');
  if (short && /^(?:[/\\]\.?)+$/.test(t) && /[/\\]\.[/\\]/.test(t)) add(sink, 3, 'traversal', 'dot segments only');
  if (pl < 4) return out;

  // ---- PL4 ----
  // an address in angle brackets (Name <user+tag@example.org>, <https://…>) is how mail and git write one, not markup
  const bare = lower.indexOf('@') >= 0 || lower.indexOf('://') >= 0 ? lower.replace(ANGLE_ADDRESS, ' ') : lower;
  if (/[^\s<]<|<[^\s=]|[^\s=-]>|>[^\s=]/.test(bare)) add(sink, 4, 'xss', 'angle bracket glued to text', true);
  if (short) {
    // SQL-shaped punctuation around a bare operand: (word), word;, @var, 1*56, 1'1, metacharacters only
    if (/^\(\s*[a-z_][a-z0-9_]*\s*\)$|^[a-z_][a-z0-9_]*;$|^@[a-z_][a-z0-9_]*$|^\d+\s*[*%]\s*\d+$|^\d+\\?'\d+$/.test(t)) add(sink, 4, 'sqli', 'SQL punctuation around an operand');
    else if (/^[!-/:-@[-`{-~]{2,}$/.test(t) && /['";|*()]/.test(t)) add(sink, 4, 'sqli', 'injection metacharacters only');
  }
  if (short && /^\/[a-z0-9_.-]+(?:\/[a-z0-9_.+-]*)+$/.test(t) && !t.startsWith('/api/')) add(sink, 4, 'traversal', 'absolute file-system path');
  else if (short && /^\/[a-z0-9_-]+\.[a-z0-9]{2,4}$/.test(t)) add(sink, 4, 'traversal', 'absolute file path');
  if (/\{[a-z_][a-z0-9_]{0,23}\}/.test(lower)) add(sink, 4, 'cmdi', 'placeholder');
  const ext = short ? urlExtension(t) : undefined;
  if (ext !== undefined && ACTIVE_EXT.has(ext)) add(sink, 4, 'xss', 'URL to active content');
  return out;
}

/** `<local@domain>` or `<scheme://…>` set off by a blank, '(' or ',' (or the start), and by a blank, ')', ',', ';' or the end. */
const ANGLE_ADDRESS = /(?<=^|[\s(,])<(?:[^\s<>"'@]+@[^\s<>"'@]+|[a-z][a-z0-9+.-]{1,15}:\/\/[^\s<>"']+)>(?=$|[\s),;.])/g;

/** Where the rules put their findings: one per family, the first rule that fires wins, levels above pl are dropped. */
interface Sink { out: ParanoidFinding[]; pl: number }
function add(k: Sink, level: number, family: InjectionFamily, detail: string, markup = false): void {
  if (level > k.pl) return;
  const out = k.out;
  for (let i = 0; i < out.length; i++) if (out[i]!.family === family) return;
  out.push({ family, confidence: HIT, detail, level, markup });
}

/** {{…}}, {%…%}, ${…}, #{…}, <%…%> with something inside. */
function templateSyntax(s: string, sink: Sink): void {
  if (s.indexOf('{') < 0 && s.indexOf('<%') < 0) return;
  for (const [open, close] of TEMPLATE_PAIRS) {
    const at = s.indexOf(open);
    if (at < 0) continue;
    const end = s.indexOf(close, at + open.length);
    if (end < 0 && open !== '<%') continue;
    const body = s.slice(at + open.length, end < 0 ? s.length : end);
    if (/[a-z0-9_]/.test(body)) { add(sink, 2, 'cmdi', `template syntax ${open}…${close}`); return; }
  }
}

/** Any HTML/XML tag, comment, conditional comment, CDATA or DTD fragment (e-mail addresses in <> aside). */
function markup(s: string, sink: Sink): void {
  if (s.indexOf('<') < 0 && s.indexOf('>') < 0) return;
  if (s.indexOf('<!--') >= 0 || s.indexOf('-->') >= 0 || s.indexOf('<![') >= 0 || s.indexOf(']]>') >= 0 || s.indexOf(']>') >= 0) { add(sink, 2, 'xss', 'HTML comment or declaration', true); return; }
  let gt = -2;
  for (let i = s.indexOf('<'); i >= 0 && i < s.length; i = s.indexOf('<', i + 1)) {
    const c = s.charCodeAt(i + 1);
    if (isAlpha(c) || c === 47 || c === 33 || c === 63 || c === 37) {
      if (gt !== -1 && gt < i) gt = s.indexOf('>', i); // each '>' searched for once: linear
      const tag = s.slice(i, gt < 0 ? Math.min(s.length, i + 64) : gt);
      if ((tag.indexOf('@') > 0 || tag.indexOf('://') > 0) && tag.indexOf(' ') < 0) continue; // <john@example.com>, <https://…>
      add(sink, 2, 'xss', 'HTML markup', true);
      return;
    }
  }
  if (/#required|#implied|#pcdata|xmlns:/.test(s)) add(sink, 2, 'xss', 'XML declaration fragment', true);
}

/** SQL comment sequences next to code: '-- ;-- )-- a leading or trailing --, slash-star, MySQL /*!. */
function sqlComments(s: string, sink: Sink): void {
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

/** Interpreter introspection called as a statement anywhere: phpversion(); getenv( … */
function codeCall(s: string, sink: Sink): void {
  const p = s.indexOf('(');
  if (p < 0) return;
  for (let i = p; i >= 0; i = s.indexOf('(', i + 1)) {
    let k = i; while (k > 0 && isWordCh(s.charCodeAt(k - 1)) && i - k < 24) k--;
    if (k < i && CODE_FUNCTIONS.has(s.slice(k, i)) && !isWordCh(s.charCodeAt(k - 1))) { add(sink, 2, 'cmdi', `${s.slice(k, i)}() call`); return; }
  }
}

/**
 * A value that is only SQL vocabulary, or a short run of SQL-only operators: a comment with at most one
 * word (`; --`, `1/*'*\/`), `||`/`&&` beside numbers or parentheses (`(||6)`), arithmetic on a boolean
 * literal (`1-false`), a system or listed variable (`@@version`, `,@v`), an unclosed quote glued to a word.
 */
function sqlFragment(t: string, sink: Sink): void {
  const words = t.split(/\s+/);
  if (words.length <= 3 && words.every((w) => SQL_WORDS.has(w)) && !PROSE_SQL.has(words[0]!)) { add(sink, 3, 'sqli', 'SQL keywords only'); return; }
  if (/^(?:exec|execute|call)\s+[a-z_]+$/.test(t)) { add(sink, 3, 'sqli', 'SQL keywords only'); return; }
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

/** LDAP filter syntax (filed with SQL injection by most lists): (|(…)), (&(…)), *)(, a filter wildcard attribute. */
function ldapFilter(t: string, sink: Sink): void {
  if (/\(\s*[|&!]\s*\(|\*\s*\)\s*\(|\(\s*[a-z]+\s*=\s*\*\s*\)/.test(t)) add(sink, 3, 'sqli', 'LDAP filter syntax');
}

/** A 0x… literal long enough to be a string, that decodes to text (0x77006100… is "wa" in UTF-16). */
function hexString(t: string, sink: Sink): void {
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

/** A {word} placeholder after a shell metacharacter, a path separator or at the start. */
function placeholders(s: string, sink: Sink): void {
  for (let i = s.indexOf('{'); i >= 0; i = s.indexOf('{', i + 1)) {
    let j = i + 1; while (j < s.length && isWordCh(s.charCodeAt(j)) && j - i < 24) j++;
    if (j === i + 1 || s.charCodeAt(j) !== 125) continue;
    let p = i - 1; while (p >= 0 && (s.charCodeAt(p) === 32 || s.charCodeAt(p) === 39 || s.charCodeAt(p) === 34)) p--;
    const prev = p >= 0 ? s.charCodeAt(p) : -1;
    if (prev === 47 || prev === 92) { add(sink, 3, 'traversal', 'placeholder after a path separator'); return; }
    if (prev === -1 || prev === 59 || prev === 124 || prev === 38 || prev === 10 || prev === 13 || prev === 96 || prev === 60 || prev === 62 || prev === 94 || prev === 40 || prev === 36) {
      add(sink, 3, 'cmdi', 'placeholder in command position');
      return;
    }
  }
}

/** A shell control operator glued to a word: a;b, x|y, a&&b, `x`, $(x), ^id, <id. */
function shellMeta(s: string, sink: Sink): void {
  if (/(?:^|[^\s|])(?:\|\|?|&&)\+?[a-z{$]/.test(s)) { add(sink, 3, 'cmdi', 'control operator before a word'); return; }
  if (/[a-z0-9)];[a-z{][a-z0-9_{}]*(?:[^a-z0-9_{}=]|$)/.test(s) && !/&[a-z0-9#]+;/.test(s)) { add(sink, 3, 'cmdi', 'semicolon glued between words'); return; }
  if (/\$\([a-z]|(?:^|[;|&=(<>])\s*`[a-z{][^`\s]*`/.test(s)) { add(sink, 3, 'cmdi', 'command substitution'); return; }
  // a leading redirection or cmd.exe caret glued to a command name of any kind: ^id, <route;
  const t = s.trimStart();
  const op = t.charCodeAt(0);
  if (op === 60 || op === 94) {
    let j = 1; while (j < t.length && j < 24 && isAlpha(t.charCodeAt(j))) j++;
    const nx = t.charCodeAt(j);
    if (j > 1 && (j === t.length || nx === 32 || nx === 59 || nx === 124 || nx === 38 || nx === 10 || nx === 13) && TIER_A.has(t.slice(1, j))) add(sink, 3, 'cmdi', 'redirection or caret before a command');
  }
}

/** Statement shapes only script has: a="…"; / $(…) / for (…;…;…) / ident.ident(…).ident(…); */
function scriptShapes(s: string, sink: Sink): void {
  if (s.length <= MAX_FRAGMENT && scriptAssignment(s)) { add(sink, 3, 'xss', 'script assignment statement'); return; }
  if (/\$\(\s*["'`]/.test(s) || /\bfor\s*\([^);]{0,64};[^);]{0,64};/.test(s) || /\)\.[A-Za-z_$][\w$]*\(\s*\)\s*;/.test(s)) { add(sink, 3, 'xss', 'script statement'); return; }
  if (s.length <= 512 && cssRule(s.toLowerCase()) && s.indexOf('"') !== s.indexOf('{') + 1) add(sink, 3, 'xss', 'CSS rule');
}
