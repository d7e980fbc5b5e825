/**
 * Encodings attackers apply to a payload to slip it past a filter, each a small pure function used by the
 * evasion section of `npm run bench:detect` (bench/detect-evasion.ts). Every transform keeps the attack
 * working for at least one real target, named in its comment; a transform that does not apply to a payload
 * (nothing to encode: no space, no keyword, no attribute value …) returns undefined.
 *
 * The output follows the benchmark's convention for a payload (bench/detect-common.ts `placed`): it is what
 * the attacker writes into the value slot. Query and form placements send it with only the characters that
 * would break the request escaped (a `%XX` written by the transform stays on the wire as it is); the JSON
 * placement carries it as the string value. Transforms that only make sense in some placements say so.
 *
 * The vocabularies below (SQL keywords) are the attacker's side — sqlmap's tamper scripts work from a
 * keyword list the same way — and never reach the detectors.
 */
import type { Placement } from './detect-common.js';

export type Family = 'sqli' | 'xss' | 'traversal' | 'cmdi';
export type Rng = () => number;

export interface Transform {
  name: string;
  /** Families whose payloads the transform is applied to (and keeps working for). */
  families: readonly Family[];
  /** Placements the encoded value is sent in ('json-text': the JSON placement with the body text escaped). */
  placements: readonly (Placement | 'json-text')[];
  /** The encoded payload; undefined when the transform leaves this payload as it is. */
  apply: (payload: string, rng: Rng) => string | undefined;
}

/** mulberry32: a seeded PRNG, so the random case flips are the same in every run. */
export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex2 = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');
const changed = (a: string, b: string) => (a === b ? undefined : b);

/** Every UTF-8 byte as %XX. */
export function urlEncodeAll(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += `%${hex2(b)}`;
  return out;
}

/** Every UTF-16 code unit as IIS's non-standard %uXXXX (IIS, ASP classic and ASP.NET decode it). */
export function iisUnicodeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += `%u${s.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
  return out;
}

/** The JSON body text with every character of a string value written as \uXXXX (every JSON parser decodes it). */
export function jsonUnicodeEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * Positions outside SQL string literals and quoted identifiers ('…', "…", `…`), in one pass: sqlmap's
 * tamper scripts (space2comment, randomcase, versionedkeywords) leave quoted text alone, since changing
 * it changes the data. A payload usually opens by closing the application's string (`'`, `1' or`,
 * `admin') or`): the first quote, when no blank comes before it, is read as closing, not opening.
 */
export function outsideQuotes(s: string): boolean[] {
  const out = new Array<boolean>(s.length).fill(true);
  let q = 0;
  const first = s.search(/['"]/);
  const closing = first >= 0 && !/\s/.test(s.slice(0, first)) ? first : -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (i === closing) continue;
    if (q === 0 && (c === 39 || c === 34 || c === 96)) { q = c; out[i] = false; continue; }
    if (q !== 0) { out[i] = false; if (c === q) q = 0; }
  }
  return out;
}

/** SQL keywords and functions (sqlmap's tamper scripts case-mix and wrap words from a list like this). */
const SQL_KEYWORDS = new Set(('select union all from where and or not null order by group having limit offset insert into values update set ' +
  'delete drop table create alter exec execute declare waitfor delay sleep benchmark concat char chr ascii substring substr mid ' +
  'version user database schema information_schema tables columns column_name table_name like between in is case when then else end ' +
  'cast convert if count load_file outfile dumpfile procedure analyse extractvalue updatexml xp_cmdshell pg_sleep dbms_pipe receive_message ' +
  'distinct top as join on exists rlike regexp xor div mod hex unhex md5 sha1 current_user system_user').split(' '));

/** Runs of word characters [A-Za-z0-9_] with their start, outside quotes when `outside` is given. */
function words(s: string, outside?: boolean[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  const isW = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  while (i < s.length) {
    if (!isW(s.charCodeAt(i)) || (outside && !outside[i])) { i++; continue; }
    const start = i;
    while (i < s.length && isW(s.charCodeAt(i)) && (!outside || outside[i])) i++;
    out.push([start, i]);
  }
  return out;
}

function randomCase(w: string, rng: Rng): string {
  let out = '';
  for (const ch of w) out += rng() < 0.5 ? ch.toUpperCase() : ch.toLowerCase();
  // at least one flip away from all-lower and all-upper, else the word is not mixed
  if (out === w.toLowerCase() || out === w.toUpperCase()) out = out[0]!.toUpperCase() + out.slice(1).toLowerCase();
  return out;
}

/** SQL keywords outside literals in random case (sqlmap randomcase): SQL keywords are case-insensitive in every dialect. */
export function sqlRandomCase(s: string, rng: Rng): string | undefined {
  const ws = words(s, outsideQuotes(s)).filter(([a, b]) => SQL_KEYWORDS.has(s.slice(a, b).toLowerCase()));
  if (ws.length === 0) return undefined;
  let out = '';
  let last = 0;
  for (const [a, b] of ws) { out += s.slice(last, a) + randomCase(s.slice(a, b), rng); last = b; }
  return changed(s, out + s.slice(last));
}

/** SQL keywords outside literals wrapped in MySQL versioned comments (sqlmap versionedkeywords): MySQL runs `/*!50000UNION*\/`. */
export function mysqlVersionedKeywords(s: string): string | undefined {
  const ws = words(s, outsideQuotes(s)).filter(([a, b]) => SQL_KEYWORDS.has(s.slice(a, b).toLowerCase()));
  if (ws.length === 0) return undefined;
  let out = '';
  let last = 0;
  for (const [a, b] of ws) { out += `${s.slice(last, a)}/*!50000${s.slice(a, b)}*/`; last = b; }
  return out + s.slice(last);
}

/**
 * Each space outside literals replaced by `rep` (sqlmap space2comment with '/**\/', space2mysqlblank …),
 * up to a line comment (`-- `, `#`): what follows is the comment's text, and a newline there would end it.
 */
export function sqlReplaceSpaces(s: string, rep: string): string | undefined {
  const outside = outsideQuotes(s);
  let out = '';
  let i = 0;
  for (; i < s.length; i++) {
    if (outside[i] && (s[i] === '#' || (s[i] === '-' && s[i + 1] === '-'))) break;
    out += s[i] === ' ' && outside[i] ? rep : s[i];
  }
  return changed(s, out + s.slice(i));
}

/** Every space as '+': how a form encoder writes it; a query string or form body decodes it back. */
export function plusForSpace(s: string): string | undefined {
  return s.indexOf(' ') < 0 ? undefined : s.replaceAll(' ', '+');
}

/**
 * Printable ASCII as its full-width form (U+FF01–FF5E) and the space as U+3000. Targets that fold them
 * back: applications that NFKC-normalise input (Python unicodedata, Java Normalizer, .NET), SQL Server's
 * best-fit conversion of nvarchar to varchar, IIS's %u best-fit decoding of paths. Payloads that are
 * already percent-encoded are skipped: the escapes are decoded before any such folding, and mixing the
 * two layers spells nothing a target decodes.
 */
export function fullwidth(s: string): string | undefined {
  if (s.indexOf('%') >= 0) return undefined;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x21 && c <= 0x7e ? String.fromCharCode(c + 0xfee0) : c === 0x20 ? '\u3000' : s[i];
  }
  return changed(s, out);
}

/**
 * Dots and slashes of a traversal as overlong UTF-8 (`%c0%ae` '.', `%c0%af` '/', `%c1%9c` '\'): IIS 4/5
 * (CVE-2000-0884) and old Java/Tomcat decoders accept them. Applied where the payload spells `..` and a
 * separator in plain characters.
 */
export function overlongTraversal(s: string): string | undefined {
  if (!/\.\.[/\\]|[/\\]\.\./.test(s)) return undefined;
  return s.replace(/[./\\]/g, (ch) => (ch === '.' ? '%c0%ae' : ch === '/' ? '%c0%af' : '%c1%9c'));
}

/**
 * A NUL byte after the payload: for a traversal with an extension the application appends
 * (`../../etc/passwd%00.png`, PHP < 5.3.4 and C back ends cut the name at the NUL); for SQL sqlmap's
 * appendnullbyte (`%00` ends the statement for Microsoft Access).
 */
export function nullByteTraversal(s: string): string { return `${s}%00.png`; }
export function nullByteSql(s: string): string { return `${s}%00`; }

interface TagEdits {
  tagName?: (name: string) => string;
  attrName?: (name: string) => string;
  /** An attribute value (without its quotes). */
  attrValue?: (value: string) => string;
}

/**
 * Rewrite the parts of the HTML tags in s — tag names, attribute names, attribute values — the way a
 * browser's tokenizer splits them (whitespace or '/' between attributes, values quoted or not); text
 * outside tags and script bodies is copied as it is. undefined when s has no tag part to rewrite.
 */
export function rewriteTags(s: string, e: TagEdits): string | undefined {
  const n = s.length;
  const isName = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  const isSep = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13 || c === 47;
  let out = '';
  let i = 0;
  let any = false;
  while (i < n) {
    const lt = s.indexOf('<', i);
    if (lt < 0) { out += s.slice(i); break; }
    let j = lt + 1;
    if (s[j] === '/') j++;
    out += s.slice(i, j);
    i = j;
    if (!isName(s.charCodeAt(i))) continue;
    while (j < n && (isName(s.charCodeAt(j)) || (s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57))) j++;
    out += e.tagName ? e.tagName(s.slice(i, j)) : s.slice(i, j);
    if (e.tagName) any = true;
    i = j;
    // attributes until '>'
    while (i < n && s[i] !== '>' && s[i] !== '<') {
      const c = s.charCodeAt(i);
      if (isSep(c)) { out += s[i]; i++; continue; }
      // attribute name: up to a separator, '=' or '>'
      let k = i;
      while (k < n && !isSep(s.charCodeAt(k)) && s[k] !== '=' && s[k] !== '>' && s[k] !== '<') k++;
      if (k === i) { out += s[i]; i++; continue; }
      const name = s.slice(i, k);
      out += e.attrName && /^[A-Za-z][A-Za-z0-9-]*$/.test(name) ? e.attrName(name) : name;
      if (e.attrName) any = true;
      i = k;
      if (s[i] !== '=') continue;
      out += '=';
      i++;
      const q = s[i];
      if (q === '"' || q === "'") {
        const close = s.indexOf(q, i + 1);
        const end = close < 0 ? n : close;
        const v = s.slice(i + 1, end);
        if (v.length > 0 && e.attrValue) { out += q + e.attrValue(v); any = true; } else out += q + v;
        if (close >= 0) out += q;
        i = close < 0 ? n : close + 1;
      } else {
        let end = i;
        while (end < n && !(s.charCodeAt(end) !== 47 && isSep(s.charCodeAt(end))) && s[end] !== '>') end++;
        // an unquoted value keeps its slashes (URLs), except a '/' right before '>' (`<a href=x/>`)
        if (end > i && s[end] === '>' && s[end - 1] === '/') end--;
        const v = s.slice(i, end);
        if (v.length > 0 && e.attrValue) { out += e.attrValue(v); any = true; } else out += v;
        i = end;
      }
    }
  }
  return any ? changed(s, out) : undefined;
}

/**
 * HTML attribute values of the tags in an XSS payload, re-spelled with character references. A browser
 * decodes references inside attribute values before using them (`<a href="&#106;avascript:…">`,
 * `<img onerror="&#x61;lert(1)">`: OWASP XSS filter evasion cheat sheet), so the attack still runs;
 * references in text outside a tag would render as text, so those are left alone.
 * `ref(code)` spells one character.
 */
export function entityEncodeAttributes(s: string, ref: (code: number) => string): string | undefined {
  return rewriteTags(s, { attrValue: (v) => { let r = ''; for (let k = 0; k < v.length; k++) r += ref(v.charCodeAt(k)); return r; } });
}

export const decimalRef = (c: number) => `&#${c};`;
export const hexRef = (c: number) => `&#x${c.toString(16)};`;
/** No ';' and zero-padded to 7 digits: browsers accept both (the cheat sheet's `&#0000106&#0000097…`). */
export const paddedNoSemiRef = (c: number) => `&#${String(c).padStart(7, '0')}`;

/**
 * Tag names, attribute names and `javascript:`/`vbscript:`/`data:` schemes in random case: HTML names and
 * URL schemes are case-insensitive in every browser (script is not, so it is left alone).
 */
export function htmlRandomCase(s: string, rng: Rng): string | undefined {
  const mix = (w: string) => randomCase(w, rng);
  const tags = rewriteTags(s, { tagName: mix, attrName: mix }) ?? s;
  const out = tags.replace(/(javascript|vbscript|data)(?=:)/gi, mix);
  return changed(s, out);
}

/**
 * A cmd.exe command line (a backslash path, a %VAR%, a ^ escape): the POSIX-shell transforms below do not
 * run there (cmd.exe keeps quotes and backslashes in words and has no $IFS), so they skip it.
 */
export function isCmdExe(s: string): boolean {
  return /\\|%\w+%|\^/.test(s);
}

/**
 * Code rather than a command line: PHP (`<?php`), a template expression (`{{`, `{%`, `<%`, `${@`) or a
 * function call (`system(…)`, `exec('…')`). Shell quoting inside them would break the code, so the shell
 * transforms skip them.
 */
export function isCode(s: string): boolean {
  return /<\?|\{\{|\{%|<%|\$\{@|[A-Za-z_]\(/.test(s);
}

/** Spans of a shell command line outside quotes and not part of a variable name ($x, ${x}). */
function shellWords(s: string): Array<[number, number]> {
  const outside = new Array<boolean>(s.length).fill(true);
  let q = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (q === 0 && (c === 39 || c === 34)) { q = c; outside[i] = false; continue; }
    if (q !== 0) { outside[i] = false; if (c === q) q = 0; }
  }
  const isL = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < s.length) {
    if (!isL(s.charCodeAt(i)) || !outside[i]) { i++; continue; }
    const start = i;
    while (i < s.length && isL(s.charCodeAt(i)) && outside[i]) i++;
    const prev = s[start - 1];
    const isVar = prev === '$' || (prev === '{' && s[start - 2] === '$') || prev === '%';
    // a word glued to other word characters (digits, '_', '.') is kept whole: could be a variable or a file name
    // an assignment's name (CMD=…) quoted is no longer an assignment
    const glued = /[\w=]/.test(s[i] ?? '') || /[\w\\]/.test(prev ?? '');
    if (!isVar && !glued && i - start >= 2) out.push([start, i]);
  }
  return out;
}

/** Inside each word (outside quotes, not a variable): `ins` inserted after the first letter (`w'h'oami` needs two). */
function shellInsert(s: string, at: (w: string) => string): string | undefined {
  if (isCmdExe(s) || isCode(s)) return undefined;
  const ws = shellWords(s);
  if (ws.length === 0) return undefined;
  let out = '';
  let last = 0;
  for (const [a, b] of ws) { out += s.slice(last, a) + at(s.slice(a, b)); last = b; }
  return out + s.slice(last);
}

/** `w'h'oami`: sh, bash and zsh remove quotes inside a word (quote removal). */
export function shellQuotes(s: string): string | undefined {
  return shellInsert(s, (w) => (w.length >= 3 ? `${w[0]}'${w[1]}'${w.slice(2)}` : `${w[0]}''${w.slice(1)}`));
}
/** `w\hoami`: a POSIX shell drops a backslash before an ordinary character outside quotes. */
export function shellBackslash(s: string): string | undefined {
  return shellInsert(s, (w) => `${w[0]}\\${w.slice(1)}`);
}
/** `wh\<LF>oami`: a backslash-newline is a line continuation, removed by the shell before parsing. */
export function shellLineContinuation(s: string): string | undefined {
  return shellInsert(s, (w) => `${w.slice(0, 1)}\\\n${w.slice(1)}`);
}

/**
 * Spaces outside quotes as `$IFS` (bash, sh, dash: the field separator, empty of meaning but for splitting).
 * `$IFS` before a word character would name another variable, so there `$IFS$9` (an empty positional).
 */
export function shellIfs(s: string, braces: boolean): string | undefined {
  if (s.indexOf(' ') < 0 || isCmdExe(s) || isCode(s)) return undefined;
  let q = 0;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (q === 0 && (c === 39 || c === 34)) q = c;
    else if (q !== 0 && c === q) q = 0;
    if (c === 32 && q === 0) {
      // runs of spaces collapse to one separator
      if (s[i - 1] === ' ') continue;
      const next = s[i + 1] ?? '';
      out += braces ? '${IFS}' : /[\w]/.test(next) ? '$IFS$9' : '$IFS';
    } else out += s[i];
  }
  return changed(s, out);
}

/**
 * A JavaScript identifier escape for the first letter of every called name (`\u0061lert(1)`): ECMAScript
 * reads escapes inside identifiers, in script bodies, event handlers and javascript: URLs alike.
 */
export function jsIdentifierEscape(s: string): string | undefined {
  const out = s.replace(/(^|[^\w$\\.])([A-Za-z_$])([\w$]*)(?=\()/g, (_, pre: string, c: string, rest: string) => `${pre}\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}${rest}`);
  return changed(s, out);
}

/** A tab inside `javascript:` (`java\tscript:`): the URL parser of every browser strips ASCII tab and newline. */
export function tabInScheme(s: string): string | undefined {
  return changed(s, s.replace(/(java)(script:)/gi, '$1\t$2'));
}

/**
 * Each space outside literals as a line comment and a line break: MySQL `#` (sqlmap space2hash) or
 * `--` (SQL Server, PostgreSQL, Oracle, MySQL with a blank after it: space2mssqlhash / space2dash).
 */
export function sqlCommentNewline(s: string, dash: boolean): string | undefined {
  return sqlReplaceSpaces(s, dash ? '-- x%0A' : '%23x%0A');
}

/** Forward slashes as backslashes: Windows and IIS take either as a path separator. */
export function backslashForSlash(s: string): string | undefined {
  if (!/\.\.\//.test(s) || /%/.test(s)) return undefined;
  return s.replaceAll('/', '\\');
}

const ALL: readonly Family[] = ['sqli', 'xss', 'traversal', 'cmdi'];
const QFJ = ['query', 'form', 'json'] as const;

export const TRANSFORMS: readonly Transform[] = [
  // A gateway decodes once where the application decodes twice (or a proxy in between decodes again).
  { name: 'URL-encode every byte', families: ALL, placements: QFJ, apply: (s) => urlEncodeAll(s) },
  { name: 'URL-encode every byte twice', families: ALL, placements: QFJ, apply: (s) => urlEncodeAll(urlEncodeAll(s)) },
  { name: '%uXXXX (IIS)', families: ALL, placements: QFJ, apply: (s) => iisUnicodeEncode(s) },
  { name: 'JSON \\uXXXX escapes', families: ALL, placements: ['json-text'], apply: (s) => s },
  { name: '+ for space', families: ALL, placements: ['query', 'form'], apply: plusForSpace },
  { name: 'full-width forms', families: ALL, placements: QFJ, apply: fullwidth },
  { name: 'mixed case (SQL keywords)', families: ['sqli'], placements: QFJ, apply: sqlRandomCase },
  { name: 'mixed case (tags, attributes, schemes)', families: ['xss'], placements: QFJ, apply: htmlRandomCase },
  // SQL whitespace: MySQL, PostgreSQL, SQL Server and Oracle all take comments, tabs and newlines for spaces.
  { name: 'SQL /**/ for space', families: ['sqli'], placements: QFJ, apply: (s) => sqlReplaceSpaces(s, '/**/') },
  { name: 'MySQL /*!50000kw*/', families: ['sqli'], placements: QFJ, apply: mysqlVersionedKeywords },
  { name: 'tab for space', families: ['sqli', 'xss', 'cmdi'], placements: QFJ, apply: (s) => sqlReplaceSpaces(s, '\t') },
  // newline ends a shell command, so not cmdi; HTML takes it between attributes
  { name: 'newline for space', families: ['sqli', 'xss'], placements: QFJ, apply: (s) => sqlReplaceSpaces(s, '\n') },
  // MySQL's whitespace includes VT (0x0b) and, in a latin1 connection, NBSP (0xa0): sqlmap space2mysqlblank
  { name: '%0B (VT) for space', families: ['sqli'], placements: QFJ, apply: (s) => sqlReplaceSpaces(s, '%0B') },
  { name: '%A0 (latin-1 NBSP) for space', families: ['sqli'], placements: QFJ, apply: (s) => sqlReplaceSpaces(s, '%A0') },
  { name: 'NUL byte appended (%00)', families: ['sqli'], placements: QFJ, apply: nullByteSql },
  { name: 'NUL byte + extension', families: ['traversal'], placements: QFJ, apply: nullByteTraversal },
  { name: 'overlong UTF-8 (%c0%ae %c0%af)', families: ['traversal'], placements: QFJ, apply: overlongTraversal },
  { name: 'attribute values as &#DD;', families: ['xss'], placements: QFJ, apply: (s) => entityEncodeAttributes(s, decimalRef) },
  { name: 'attribute values as &#xHH;', families: ['xss'], placements: QFJ, apply: (s) => entityEncodeAttributes(s, hexRef) },
  { name: 'attribute values as &#00000DD (no ;)', families: ['xss'], placements: QFJ, apply: (s) => entityEncodeAttributes(s, paddedNoSemiRef) },
  { name: 'SQL #…%0A for space (MySQL)', families: ['sqli'], placements: QFJ, apply: (s) => sqlCommentNewline(s, false) },
  { name: 'SQL --…%0A for space', families: ['sqli'], placements: QFJ, apply: (s) => sqlCommentNewline(s, true) },
  { name: 'backslash for slash (Windows)', families: ['traversal'], placements: QFJ, apply: backslashForSlash },
  { name: 'JS \\u escape in called names', families: ['xss'], placements: QFJ, apply: jsIdentifierEscape },
  { name: 'tab inside javascript:', families: ['xss'], placements: QFJ, apply: tabInScheme },
  { name: '$IFS for space', families: ['cmdi'], placements: QFJ, apply: (s) => shellIfs(s, false) },
  { name: '${IFS} for space', families: ['cmdi'], placements: QFJ, apply: (s) => shellIfs(s, true) },
  { name: "quotes in words (w'h'oami)", families: ['cmdi'], placements: QFJ, apply: shellQuotes },
  { name: 'backslash in words (w\\hoami)', families: ['cmdi'], placements: QFJ, apply: shellBackslash },
  { name: 'backslash-newline in words', families: ['cmdi'], placements: QFJ, apply: shellLineContinuation },
];
