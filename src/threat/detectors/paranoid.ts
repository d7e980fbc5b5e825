import { C_AMP, C_BACKSLASH, C_BACKTICK, C_BRACE, C_CARET, C_COLON, C_DOLLAR, C_DOT, C_EQ, C_GT, C_HEX_PREFIX, C_LT, C_NEWLINE, C_PAREN, C_PIPE, C_SEMI, C_SLASH } from '../decode/charclass.js';
import { type Decoded, lowerFull } from '../decode/normalize.js';
import { CODE_FUNCTIONS, PROSE_WORDS, TIER_A, TOOL_NAMES } from './cmdi-lexicon.js';
import { isIdentChar, isLetter } from './chars.js';
import type { ParanoiaLevel } from './index.js';
import { cssRule, cStyleForHeader, scriptAssignment, urlExtension } from './paranoid-scans.js';
import { add, type ParanoidFinding, type Sink } from './paranoid-sink.js';
import { hexString, ldapFilter, mayBeSqlFragment, sqlComments, sqlFragment, sqlKeywordsOnly, THREE_WORDS } from './paranoid-sql.js';

export type { ParanoidFinding, Sink } from './paranoid-sink.js';

/**
 * Paranoia levels 2–4, in the manner of the OWASP Core Rule Set: each level adds rules that catch more
 * and are wrong more often. Level 1 (the detectors themselves) only fires on values that read as an
 * attack; these rules fire on values that only *look like parts* of one.
 *
 * - PL2: a bare command name (`whoami`, `netstat`), a command alone after a blank `&` at the end (`x & id`), HTML markup of any kind and HTML/XML comments and
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
const MAX_FRAGMENT = 96;

/** Files whose bare name is a disclosure target. */
export const SENSITIVE_FILES = new Set(['passwd', 'shadow', 'group', 'hosts', 'boot.ini', 'win.ini', 'system.ini', 'web.config', '.htaccess', '.htpasswd',
  'httpd.conf', 'php.ini', 'my.cnf', '.bash_history', 'id_rsa', 'authorized_keys', '.env', 'config.php', 'wp-config.php', 'sam', 'ntuser.dat', 'known_hosts']);
/** Active-content extensions a URL-valued parameter should not point at. */
const ACTIVE_EXT = new Set(['svg', 'swf', 'xxe', 'xml', 'xsl', 'xslt', 'html', 'htm', 'js', 'php', 'jsp', 'asp', 'aspx', 'hta', 'vbs', 'sh', 'ps1', 'exe']);
const TEMPLATE_PAIRS: Array<[string, string]> = [['{{', '}}'], ['{%', '%}'], ['${', '}'], ['#{', '}'], ['<%', '%>'], ['*{', '}'], ['@{', '}']];

const isAlpha = isLetter;
const isWordCh = isIdentChar;

/** What every rule reads: the decoded value, lower-cased and trimmed, and which syntax characters it holds. */
export interface ParanoidView {
  d: Decoded;
  /** d.full */
  s: string;
  lower: string;
  /** lower, trimmed */
  t: string;
  /** charClasses of d.full (lower-casing adds or removes no ASCII punctuation, so also of lower and t). */
  cls: number;
  short: boolean;
  oneWord: boolean;
}

/**
 * One rule: `section` is the paranoia level whose block it belongs to (it runs at that level and above; the
 * finding it adds may carry a higher level). `run` is the whole rule. `may` is a pre-filter: a necessary
 * condition of `run` adding a finding (the characters its patterns cannot match without), so a value it
 * says no to is not read by the rule.
 * test/unit/threat/prefilter.test.ts holds every rule to its `may`.
 */
export interface ParanoidRule { name: string; section: 2 | 3 | 4; may?: (v: ParanoidView) => boolean; run: (v: ParanoidView, sink: Sink) => void }

/** `<local@domain>` or `<scheme://…>` set off by a blank, '(' or ',' (or the start), and by a blank, ')', ',', ';' or the end. */
const ANGLE_ADDRESS = /(?<=^|[\s(,])<(?:[^\s<>"'@]+@[^\s<>"'@]+|[a-z][a-z0-9+.-]{1,15}:\/\/[^\s<>"']+)>(?=$|[\s),;.])/g;

/** `t` (trimmed, lower-cased) ends in ` & name` (one `&`, blanks around it) and name is a command. */
function commandAfterBlankAmp(t: string): boolean {
  const amp = t.lastIndexOf('&');
  if (amp < 1 || t.charCodeAt(amp - 1) !== 32 || t.charCodeAt(amp + 1) !== 32) return false;
  let i = amp + 1;
  while (i < t.length && t.charCodeAt(i) === 32) i++;
  const from = i;
  while (i < t.length && (isWordCh(t.charCodeAt(i)) || t.charCodeAt(i) === 46 || t.charCodeAt(i) === 45)) i++;
  if (i !== t.length || i === from || i - from > 32) return false;
  let name = t.slice(from);
  if (name.endsWith('.exe')) name = name.slice(0, -4);
  return TIER_A.has(name) && !TOOL_NAMES.has(name);
}

/** In the order they run: per family, the first rule that fires wins. */
export const PARANOID_RULES: readonly ParanoidRule[] = [
  // ---- PL2 ----
  {
    name: 'bare command', section: 2, may: (v) => v.oneWord,
    run: (v, sink) => {
      if (!v.oneWord) return;
      const name = v.t.endsWith('.exe') ? v.t.slice(0, -4) : v.t;
      if (TIER_A.has(name) && !PROSE_WORDS.has(name) && !TOOL_NAMES.has(name)) add(sink, 2, 'cmdi', 'bare command name');
      else if (TIER_A.has(name) && !TOOL_NAMES.has(name) && name !== 'true' && name !== 'false') add(sink, 4, 'cmdi', 'bare command name that is also a word');
    },
  },
  // `x & id`: a command that is also a word, alone after a blank `&` at the end (PL1 reads it 0.7: "Date & Time",
  // "Cut & Paste", "Read & Write" are labels; the shell runs `id` in the background of `x`)
  { name: 'command after a blank &', section: 2, may: (v) => (v.cls & C_AMP) !== 0, run: (v, sink) => { if (commandAfterBlankAmp(v.t)) add(sink, 2, 'cmdi', 'command after & at the end'); } },
  { name: 'template syntax', section: 2, may: (v) => (v.cls & (C_BRACE | C_LT)) !== 0, run: (v, sink) => templateSyntax(v.lower, sink) },
  { name: 'markup', section: 2, may: (v) => (v.cls & (C_LT | C_GT)) !== 0, run: (v, sink) => markup(v.lower, sink) },
  { name: 'SQL comments', section: 2, may: (v) => (v.cls & C_SLASH) !== 0 || v.lower.indexOf('--') >= 0, run: (v, sink) => sqlComments(v.lower, sink) },
  {
    name: 'dot-dot segment', section: 2, may: (v) => v.d.url.indexOf('..') >= 0,
    run: (v, sink) => { if (/(?:^|[/\\])\.\.(?:[/\\]|$)/.test(v.d.url.replaceAll('\\\\', '\\'))) add(sink, 2, 'traversal', 'dot-dot segment'); },
  },
  {
    name: 'PHP filter chain', section: 2, may: (v) => (v.cls & C_DOT) !== 0,
    run: (v, sink) => { if (/(?:^|[|/])(?:convert\.(?:iconv|base64|quoted)|string\.(?:rot13|toupper|tolower)|zlib\.(?:deflate|inflate))/.test(v.t)) add(sink, 2, 'traversal', 'PHP filter chain'); },
  },
  { name: 'code call', section: 2, may: (v) => (v.cls & C_PAREN) !== 0, run: (v, sink) => codeCall(v.t, sink) },
  { name: 'hex text', section: 2, may: (v) => (v.cls & C_HEX_PREFIX) !== 0, run: (v, sink) => { if (v.t.indexOf('0x') >= 0) hexString(v.t, sink); } },
  { name: 'NUL byte', section: 2, run: (v, sink) => { if (v.s.indexOf('\u0000') >= 0) add(sink, 2, 'traversal', 'NUL byte'); } },
  // ---- PL3 ----
  { name: 'SQL keywords only', section: 3, may: (v) => v.short && THREE_WORDS.test(v.t), run: (v, sink) => { if (v.short) sqlKeywordsOnly(v.t, sink); } },
  { name: 'SQL fragment', section: 3, may: (v) => v.short && mayBeSqlFragment(v.t, v.cls), run: (v, sink) => { if (v.short) sqlFragment(v.t, sink); } },
  { name: 'LDAP filter', section: 3, may: (v) => (v.cls & C_PAREN) !== 0, run: (v, sink) => ldapFilter(v.t, sink) },
  { name: 'placeholders', section: 3, may: (v) => (v.cls & C_BRACE) !== 0, run: (v, sink) => placeholders(v.lower, sink) },
  { name: 'shell metacharacters', section: 3, may: (v) => (v.cls & SHELL_META) !== 0, run: (v, sink) => shellMeta(v.lower, sink) },
  { name: 'script shapes', section: 3, may: (v) => (v.cls & (C_EQ | C_DOLLAR | C_PAREN | C_BRACE)) !== 0, run: (v, sink) => scriptShapes(v.s, v.lower, sink) },
  { name: 'sensitive file', section: 3, may: (v) => v.oneWord, run: (v, sink) => { if (v.oneWord && SENSITIVE_FILES.has(v.t)) add(sink, 3, 'traversal', 'bare sensitive file name'); } },
  {
    name: 'dot segments only', section: 3, may: (v) => v.short && (v.cls & (C_SLASH | C_BACKSLASH)) !== 0,
    run: (v, sink) => { if (v.short && /^(?:[/\\]\.?)+$/.test(v.t) && /[/\\]\.[/\\]/.test(v.t)) add(sink, 3, 'traversal', 'dot segments only'); },
  },
  // ---- PL4 ----
  {
    name: 'angle bracket', section: 4, may: (v) => (v.cls & (C_LT | C_GT)) !== 0,
    run: (v, sink) => {
      // an address in angle brackets (Name <user+tag@example.org>, <https://…>) is how mail and git write one, not markup
      const lower = v.lower;
      const bare = lower.indexOf('@') >= 0 || lower.indexOf('://') >= 0 ? lower.replace(ANGLE_ADDRESS, ' ') : lower;
      if (/[^\s<]<|<[^\s=]|[^\s=-]>|>[^\s=]/.test(bare)) add(sink, 4, 'xss', 'angle bracket glued to text', true);
    },
  },
  {
    // SQL-shaped punctuation around a bare operand: (word), word;, @var, 1*56, 1'1, metacharacters only
    name: 'SQL punctuation', section: 4, may: (v) => v.short,
    run: (v, sink) => {
      if (!v.short) return;
      const t = v.t;
      if (/^\(\s*[a-z_][a-z0-9_]*\s*\)$|^[a-z_][a-z0-9_]*;$|^@[a-z_][a-z0-9_]*$|^\d+\s*[*%]\s*\d+$|^\d+\\?'\d+$/.test(t)) add(sink, 4, 'sqli', 'SQL punctuation around an operand');
      else if (/^[!-/:-@[-`{-~]{2,}$/.test(t) && /['";|*()]/.test(t)) add(sink, 4, 'sqli', 'injection metacharacters only');
    },
  },
  {
    name: 'absolute path', section: 4, may: (v) => v.short && (v.cls & C_SLASH) !== 0,
    run: (v, sink) => {
      if (!v.short) return;
      const t = v.t;
      if (/^\/[a-z0-9_.-]+(?:\/[a-z0-9_.+-]*)+$/.test(t) && !t.startsWith('/api/')) add(sink, 4, 'traversal', 'absolute file-system path');
      else if (/^\/[a-z0-9_-]+\.[a-z0-9]{2,4}$/.test(t)) add(sink, 4, 'traversal', 'absolute file path');
    },
  },
  { name: 'placeholder', section: 4, may: (v) => (v.cls & C_BRACE) !== 0, run: (v, sink) => { if (/\{[a-z_][a-z0-9_]{0,23}\}/.test(v.lower)) add(sink, 4, 'cmdi', 'placeholder'); } },
  {
    name: 'active content URL', section: 4, may: (v) => v.short && (v.cls & C_COLON) !== 0,
    run: (v, sink) => {
      const ext = v.short ? urlExtension(v.t) : undefined;
      if (ext !== undefined && ACTIVE_EXT.has(ext)) add(sink, 4, 'xss', 'URL to active content');
    },
  },
];

/** Shell control characters shellMeta's patterns need (| && ; $( ` and a leading < or ^). */
const SHELL_META = C_PIPE | C_AMP | C_SEMI | C_DOLLAR | C_BACKTICK | C_LT | C_CARET;

/** The value as the rules read it; undefined when, trimmed, it is empty. */
export function paranoidView(d: Decoded): ParanoidView {
  const lower = lowerFull(d);
  const t = lower.trim();
  const short = t.length <= MAX_FRAGMENT;
  return { d, s: d.full, lower, t, cls: d.fullClasses, short, oneWord: short && t.length > 0 && /^[a-z0-9_.\-]+$/.test(t) };
}

export function paranoidFindings(d: Decoded, pl: ParanoiaLevel): ParanoidFinding[] {
  const out: ParanoidFinding[] = [];
  if (pl < 2) return out;
  const v = paranoidView(d);
  const sink: Sink = { out, pl };
  // CR/LF and punctuation only: header/log splitting or a command separator probe
  if (pl >= 3 && (v.cls & C_NEWLINE) !== 0 && /^[^a-z0-9]*$/.test(v.t)) add(sink, 3, 'cmdi', 'line breaks only');
  if (v.t.length === 0) return out;
  for (const r of PARANOID_RULES) {
    if (r.section > pl) break;
    if (r.may === undefined || r.may(v)) r.run(v, sink);
  }
  return out;
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

/** Interpreter introspection called as a statement anywhere: phpversion(); getenv( … */
function codeCall(s: string, sink: Sink): void {
  const p = s.indexOf('(');
  if (p < 0) return;
  for (let i = p; i >= 0; i = s.indexOf('(', i + 1)) {
    let k = i; while (k > 0 && isWordCh(s.charCodeAt(k - 1)) && i - k < 24) k--;
    if (k < i && CODE_FUNCTIONS.has(s.slice(k, i)) && !isWordCh(s.charCodeAt(k - 1))) { add(sink, 2, 'cmdi', `${s.slice(k, i)}() call`); return; }
  }
}

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
function scriptShapes(s: string, lower: string, sink: Sink): void {
  if (s.length <= MAX_FRAGMENT && scriptAssignment(s)) { add(sink, 3, 'xss', 'script assignment statement'); return; }
  if (/\$\(\s*["'`]/.test(s) || cStyleForHeader(s) || /\)\.[A-Za-z_$][\w$]*\(\s*\)\s*;/.test(s)) { add(sink, 3, 'xss', 'script statement'); return; }
  if (s.length <= 512 && cssRule(lower) && s.indexOf('"') !== s.indexOf('{') + 1) add(sink, 3, 'xss', 'CSS rule');
}
