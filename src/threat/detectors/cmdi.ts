import { C_AMP, C_BACKSLASH, C_BACKTICK, C_BRACE, C_DOLLAR, C_DQUOTE, C_GT, C_LT, C_NEWLINE, C_PAREN, C_PERCENT, C_PIPE, C_SEMI, C_SLASH, C_SQUOTE, charClasses } from '../decode/charclass.js';
import { type Decoded, lowerFull } from '../decode/normalize.js';
import { dashC, hostArgEnds, optionSoon, SHELLS } from './cmdi-args.js';
import { batchFor } from './cmdi-batch.js';
import { batchIf } from './cmdi-batch-if.js';
import { innerBrace } from './cmdi-brace.js';
import { labelledToolList } from './cmdi-list.js';
import { functionThenCall } from './cmdi-function.js';
import { codeStatement, execCalls } from './cmdi-code.js';
import { shellDequote } from './cmdi-dequote.js';
import { CODE_FUNCTIONS, NUMERIC_ARG, PROSE_WORDS, SUBCOMMANDS, TIER_A, WRAPPERS } from './cmdi-lexicon.js';
import { protocolLines } from './cmdi-protocols.js';
import { codeSpanSetOff, inlineCodeWord, isWs, opensValue, proseContinues, redirectsToPath, tableRow, type RowMemo } from './cmdi-prose.js';
import { splice } from './cmdi-splice.js';
import { templates } from './cmdi-template.js';
import { take, type Acc } from './cmdi-verdict.js';

export interface CmdiVerdict { confidence: number; reason: string }

/** Separator strength: what came before a command position. */
const START = 0, NEWLINE = 1, SEMI = 2, STRONG = 3, AMP = 4, SUBST = 5;

/** Command positions examined per value (separators beyond this are not: the value is still bounded in size). */
const MAX_POSITIONS = 1024;

function alnum(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57); }
function isLower(c: number): boolean { return c >= 97 && c <= 122; }
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 47 || c === 92 || c === 58 || c === 126 || c === 63 || c === 42;
}

/** A word character none of readWord's splitting rules treat specially (all but the backslash). */
function isPlainWordChar(c: number): boolean { return c !== 92 && isWordChar(c); }

interface Word { name: string; end: number; path: boolean; glob: boolean; variable: boolean; obfuscated: boolean }

/** Read the word in command position, undoing quote/backslash/`$@` splitting (w'h'o'am'i, wh\oami). */
function readWord(s: string, i: number): Word | undefined {
  const n = s.length;
  // skip blanks, $IFS spellings and redirections-free prefixes
  for (let guard = 0; guard < 8; guard++) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (s.startsWith('${ifs}', i)) { i += 6; continue; }
    if (s.startsWith('$ifs', i)) { i += 4; if (s.charCodeAt(i) === 36 && s.charCodeAt(i + 1) >= 48 && s.charCodeAt(i + 1) <= 57) i += 2; continue; }
    break;
  }
  let j = i;
  let variable = false;
  let obfuscated = false;
  const q1 = s.charCodeAt(j + 1);
  if (s.charCodeAt(j) === 36 /* $ */ && (q1 === 39 || q1 === 34)) j++; // $'…' / $"…" is quoting, not a variable
  else if (s.charCodeAt(j) === 36 /* $ */ && q1 !== 40 && q1 !== 123) {
    variable = true;
    j++;
  }
  if (s.charCodeAt(j) === 37 /* % */) { const v = cmdVariablePath(s, j); if (v) return v; }
  // the plain run first, as one slice: each of its characters would only be appended below
  const from = j;
  while (j < n && j - from < 64 && isPlainWordChar(s.charCodeAt(j))) j++;
  let name = s.slice(from, j);
  /** quoted segments read into the name, and characters read outside them */
  let quoted = 0, plain = j - from;
  while (j < n && name.length < 64) {
    const c = s.charCodeAt(j);
    if (c === 39 || c === 34) { // quotes glued inside a word: w'h'o
      const close = s.indexOf(s[j]!, j + 1);
      if (close < 0 || close - j > 32) break;
      name += s.slice(j + 1, close);
      j = close + 1;
      quoted++;
      continue;
    }
    if (c === 92 && isWordChar(s.charCodeAt(j + 1)) && s.charCodeAt(j + 1) !== 92 && j > i && s.charCodeAt(j - 1) !== 58) { j++; obfuscated = true; continue; } // wh\oami
    if (c === 92 && !isWordChar(s.charCodeAt(j + 1))) break;
    if (c === 36 && (s.charCodeAt(j + 1) === 64 || s.charCodeAt(j + 1) === 42) && name.length > 0) { j += 2; obfuscated = true; continue; } // who$@ami
    // an empty substitution glued to a word expands to nothing: ping`` 1.2.3.4, who$()ami (not a ``` fence)
    if (name.length > 0 && c === 96 && s.charCodeAt(j + 1) === 96 && s.charCodeAt(j + 2) !== 96) { j += 2; obfuscated = true; continue; }
    if (name.length > 0 && c === 36 && s.charCodeAt(j + 1) === 40 && s.charCodeAt(j + 2) === 41) { j += 3; obfuscated = true; continue; }
    const sp = isWordChar(c) ? undefined : splice(s, j, name.length); // ti^me, uname$u, c$-at, pi<()ng, $((7))z
    if (sp) { name += sp.text; j += sp.skip; obfuscated = true; continue; }
    if (!isWordChar(c)) break;
    name += s[j];
    plain++;
    j++;
  }
  if (name.length === 0) return undefined;
  // quotes split a word (w'h'o, "wh"oami); one pair around the whole word ("true") is just a quoted word
  if (quoted > 1 || (quoted === 1 && plain > 0)) obfuscated = true;
  const path = name.includes('/') || name.includes('\\');
  const glob = path && (name.includes('?') || name.includes('*'));
  let base = name;
  if (path) {
    const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    base = name.slice(cut + 1);
  }
  if (base.endsWith('.exe') || base.endsWith('.com') || base.endsWith('.bat')) base = base.slice(0, -4);
  // a quote or backslash inside a word only changes how it looks: wh''oami is whoami
  if (obfuscated && (name.startsWith("'") || name.length < 2)) obfuscated = false;
  return { name: base, end: j, path, glob, variable, obfuscated };
}

/**
 * A cmd.exe variable opening a path (`%SystemRoot%\system32\whoami.exe`, `%ProgramFiles%\7-Zip\7z.exe`): the
 * variable expands to a folder and cmd.exe reads backslashes as separators, not escapes; the command is the
 * path's last name.
 */
function cmdVariablePath(s: string, at: number): Word | undefined {
  const close = s.indexOf('%', at + 1);
  if (close < at + 2 || close - at > 40) return undefined;
  const sep = s.charCodeAt(close + 1);
  if (sep !== 92 && sep !== 47) return undefined;
  for (let k = at + 1; k < close; k++) {
    const c = s.charCodeAt(k);
    if (!alnum(c) && c !== 95 && c !== 40 && c !== 41) return undefined; // %ProgramFiles(x86)%
  }
  let end = close + 1;
  while (end < s.length && end - at < 260 && isWordChar(s.charCodeAt(end))) end++;
  const path = s.slice(close + 1, end);
  let base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  if (base.endsWith('.exe') || base.endsWith('.com') || base.endsWith('.bat')) base = base.slice(0, -4);
  if (base.length === 0) return undefined;
  return { name: base, end, path: true, glob: false, variable: false, obfuscated: false };
}

/** What follows the command word: shell-shaped arguments or not. */
function argShape(s: string, i: number, cmd?: string): 'shell' | 'end' | 'word' | 'assign' {
  const n = s.length;
  if (s.charCodeAt(i) === 61 /* = */) return 'assign';
  let j = i;
  while (j < n && isWs(s.charCodeAt(j))) j++;
  if (j >= n) return 'end';
  const c = s.charCodeAt(j);
  const c2 = s.charCodeAt(j + 1);
  if (c === 59 || c === 124 || c === 38 || c === 10 || c === 13 || c === 96 || c === 41 || c === 35) return 'end';
  if (j === i && c !== 40) return 'word'; // glued to the next character: not a command word
  const c3 = s.charCodeAt(j + 2);
  if (c === 45 && (alnum(c2) || (c2 === 45 && alnum(c3)))) return 'shell'; // -la --help
  if (c === 47 && c2 !== 47) return 'shell'; // /etc … (not //comment)
  if (c === 92 || c === 36 || c === 62 || c === 60 || c === 126 || c === 34 || c === 39 || c === 123 || c === 42 || c === 46) return 'shell';
  if (c >= 48 && c <= 57) return 'shell'; // sleep 5, ping 127.0.0.1
  if (((c >= 97 && c <= 122)) && c2 === 58 && (s.charCodeAt(j + 2) === 92 || s.charCodeAt(j + 2) === 47)) return 'shell'; // c:\
  if (c === 37 /* %VAR% */) return 'shell';
  // a URL argument (curl https://…) or a subcommand verb (net user, reg add, netsh firewall)
  let k = j;
  while (k < n && k - j < 24 && ((s.charCodeAt(k) >= 97 && s.charCodeAt(k) <= 122) || (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57))) k++;
  if (s.startsWith('://', k)) return 'shell';
  if (cmd !== undefined && SUBCOMMANDS[cmd]?.has(s.slice(j, k))) return 'shell';
  return 'word';
}

/** Which shell metacharacters a value holds, from its character classes (charclass.ts; decodeValue has them). */
const M_SEP = C_SEMI | C_PIPE | C_AMP | C_NEWLINE, M_BT = C_BACKTICK, M_DOLLAR = C_DOLLAR, M_LTGT = C_LT | C_GT, M_BRACE = C_BRACE,
  M_PAREN = C_PAREN, M_PCT = C_PERCENT, M_SLASH = C_SLASH | C_BACKSLASH;


/** After a list item: blanks, then the end of the value or the next item's ';'. */
function listItemEnds(s: string, at: number): boolean {
  while (at < s.length && isWs(s.charCodeAt(at))) at++;
  return at >= s.length || s.charCodeAt(at) === 59;
}

/**
 * `./name` or `../dir/name` at `at`: a program run by a relative path (the shell looks it up nowhere else),
 * its name starting with a letter.
 */
function dotSlashProgram(s: string, at: number): boolean {
  let k = at;
  if (s.charCodeAt(k) !== 46) return false;
  if (s.charCodeAt(k + 1) === 46) k++;
  const sep = s.charCodeAt(k + 1);
  return (sep === 47 || sep === 92) && isLower(s.charCodeAt(k + 2));
}

function consider(s: string, acc: Acc, pos: number, kind: number, fenced: boolean): void {
  if (kind > NEWLINE && tildeWord(s, pos)) { take(acc, 0.85, 'directory-stack ~+N/~-N run as a command'); return; }
  const w = readWord(s, pos);
  if (!w) return;
  // x;./exploit, x; ./exploit, x|../bin/tool: a program run by a relative path right after `;`, or glued to
  // `|`, `&&`, `||` (`make && ./run` with blanks is a README's shell line: the markdown set holds some)
  let at = pos;
  while (at < w.end && isWs(s.charCodeAt(at))) at++;
  if (w.path && (kind === SEMI || (kind === STRONG && at === pos)) && dotSlashProgram(s, at)) take(acc, 0.85, `program run by a relative path after ${['start', 'newline', ';', '|/&&/||', '&', 'substitution'][kind]}`);
  if (!w.variable && !w.glob && !TIER_A.has(w.name) && !CODE_FUNCTIONS.has(w.name)) return;
  const arg = argShape(s, w.end, w.name);
  if (arg === 'assign') return; // key=value, VAR=…
  if (w.variable) {
    if (kind !== START && s.indexOf(`${w.name}=`) >= 0) take(acc, 0.85, 'assigned $variable executed'); // the name is the value's: not echoed
    return;
  }
  if (w.glob && kind !== START) { take(acc, 0.85, 'glob-obfuscated command path'); return; }
  if (w.glob && /^[/\\]\?{1,4}[/\\]/.test(s.slice(pos).trimStart())) { take(acc, 0.85, 'glob-obfuscated command path'); return; }
  if (CODE_FUNCTIONS.has(w.name) && s.charCodeAt(w.end) === 40 && kind !== NEWLINE) { take(acc, kind === START ? 0.8 : 0.85, `${w.name}() ${kind === START ? 'call' : 'after a separator'}`); return; }
  if (!TIER_A.has(w.name)) return;
  const prose = PROSE_WORDS.has(w.name);
  // a split spelling is the evidence: any argument for a command that is no English word ('c'url localhost)
  if (w.obfuscated && (arg !== 'word' || !prose)) { take(acc, 0.85, `quote-split command ${w.name}`); return; }
  if (arg === 'word' && !fenced) wrapped(s, acc, w);
  // &name; is a character reference, not a command
  if (kind === AMP && s.charCodeAt(w.end) === 59 && s.charCodeAt(pos - 1) === 38 && !isWs(s.charCodeAt(pos))) return;
  const systemPath = w.path && /^(?:\/(?:usr\/)?(?:local\/)?s?bin\/|[a-z]:\\|\\\\|%systemroot%|%windir%)/.test(s.slice(pos, pos + 80).trimStart());
  let c = 0;
  if (kind === START) {
    if (systemPath) c = 0.85;
    else if (!prose && arg === 'shell') c = 0.8;
    else if (prose && arg === 'shell') c = proseCommandLine(s, w, s.length) ? 0.8 : 0.5;
    else if (!prose && arg === 'end') {
      // whoami;… / netstat|…: the command, then a control operator chaining more onto it
      const op = s.charCodeAt(w.end);
      c = (op === 59 || op === 124 || op === 38) && w.end + 1 < s.length && !isWs(s.charCodeAt(w.end + 1)) ? 0.8 : 0.6;
    }
    else if ((w.name === 'which' || w.name === 'whereis' || w.name === 'type') && arg === 'word') {
      // which perl / whereis nc: looking for a tool to run
      const nx = readWord(s, w.end);
      if (nx && TIER_A.has(nx.name) && /^\s*$/.test(s.slice(nx.end))) c = 0.8;
    }
    // echo some words > /var/www/x.php: the command's output redirected into a file path
    if (c < 0.8 && arg === 'word' && redirectsToPath(s, w.end)) c = 0.8;
    if (c < 0.8 && arg === 'word' && !prose && optionSoon(s, w.end)) c = 0.8;
  } else if (kind === NEWLINE) {
    // the line is read as the start of a value is: a break puts its first word in command position at least as firmly
    // the line ends at the next CR or LF (either is a separator here: a line of CRs must not be read to the value's end at each one)
    let eol = w.end;
    while (eol < s.length && s.charCodeAt(eol) !== 10 && s.charCodeAt(eol) !== 13) eol++;
    if (systemPath) c = 0.85;
    else if (prose && arg === 'shell') c = proseCommandLine(s, w, eol) ? 0.8 : 0.75;
    else if (arg === 'shell' || (!prose && arg === 'end')) c = 0.8;
    else if (prose && arg === 'end') c = 0.6;
    if (fenced) c = Math.min(c, 0.5);
  } else {
    if (systemPath) c = 0.95;
    else if (arg === 'end' && kind === SEMI && isWs(s.charCodeAt(pos)) && listItemEnds(s, w.end) && labelledToolList(s, pos - 1, w.name)) c = 0.6; // Editors: vim; emacs
    else if (!prose) c = arg === 'word' && kind === SEMI ? (optionSoon(s, w.end) || hostArgEnds(s, w.end) ? 0.85 : 0.6) : 0.9;
    else if (arg === 'shell') c = kind === SEMI || kind === AMP ? 0.85 : 0.9;
    else if (arg === 'end') c = kind === AMP && isWs(s.charCodeAt(pos)) ? 0.7 : kind === SEMI || kind === AMP ? 0.85 : 0.9; // "cut & paste" is prose
    else c = kind === SUBST ? 0.7 : 0.4;
  }
  take(acc, c, `${w.path ? 'path ' : ''}${w.name} after ${['start', 'newline', ';', '|/&&/||', '&', 'substitution'][kind]}`);
}

/**
 * A command word that is also an English word, with shell-shaped arguments up to `to` (the value's or the
 * line's end): a command line when the arguments are flags, paths or redirections rather than a sentence,
 * or, for the commands that take one (sleep 5, ping 127.0.0.1), a lone number.
 */
function proseCommandLine(s: string, w: Word, to: number): boolean {
  let k = w.end;
  while (k < to && isWs(s.charCodeAt(k))) k++;
  const next = s.charCodeAt(k);
  if (next >= 48 && next <= 57) return NUMERIC_ARG.has(w.name) && /^\s*[0-9.]+\s*$/.test(s.slice(w.end, to));
  return !proseContinues(s, w.end, to);
}

/** `~+`, `~-`, `~+1`, `~-3` (a directory-stack expansion) as the whole command, ended by the value, ; & ) ` or a line break. */
function tildeWord(s: string, pos: number): boolean {
  let i = pos;
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 126 || (s.charCodeAt(i + 1) !== 43 && s.charCodeAt(i + 1) !== 45)) return false;
  i += 2;
  let d = 0;
  while (i < s.length && d < 3 && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) { i++; d++; }
  const c = s.charCodeAt(i);
  return i >= s.length || c === 59 || c === 38 || c === 41 || c === 96 || c === 10 || c === 13;
}

/**
 * A command word whose argument is itself a command line: a wrapper running a command that is not a word
 * of prose (`time tracert`, `sudo whoami;`), or `alias name=command` defining a name for one.
 */
function wrapped(s: string, acc: Acc, w: Word): void {
  if (w.name === 'alias') {
    let k = w.end;
    while (k < s.length && isWs(s.charCodeAt(k))) k++;
    const eq = k;
    while (k < s.length && k - eq < 32 && (alnum(s.charCodeAt(k)) || s.charCodeAt(k) === 95 || s.charCodeAt(k) === 45)) k++;
    if (k === eq || s.charCodeAt(k) !== 61) return;
    const q = s.charCodeAt(k + 1);
    const v = readWord(s, q === 39 || q === 34 ? k + 2 : k + 1); // alias ll='ls -la': the first word of the quoted line
    if (v && TIER_A.has(v.name)) take(acc, 0.85, `alias for ${v.name}`);
    return;
  }
  if (!WRAPPERS.has(w.name)) return;
  const nx = readWord(s, w.end);
  if (!nx || !TIER_A.has(nx.name)) return;
  // time sh -c …: a shell given a command string
  if (SHELLS.has(nx.name) && dashC(s, nx.end)) { take(acc, 0.85, `${nx.name} -c run by ${w.name}`); return; }
  const arg = argShape(s, nx.end, nx.name);
  // a wrapper that is no English word (strace, nohup) or is spelled to hide (ti''me) runs even a command that is one (who)
  const firm = !PROSE_WORDS.has(w.name) || w.obfuscated;
  if (PROSE_WORDS.has(nx.name) && !(firm && arg !== 'word')) return;
  if (arg === 'end' || arg === 'shell' || (arg === 'word' && (nx.obfuscated || hostArgEnds(s, nx.end)))) take(acc, 0.85, `${nx.name} run by ${w.name}`);
}

/**
 * OS command injection. Reads the decoded value as a shell would: finds every command position (the
 * start, after ; | & && || newline, inside $( ) and backticks), reads the word there with quote and
 * backslash splitting undone and any path stripped, and asks whether it is a command and whether what
 * follows is shaped like arguments. Also: shellshock function definitions, $IFS spacing, /dev/tcp, SSI
 * exec, and interpreter calls that run a command string (system('…'), os.system, child_process).
 */
export function detectCmdi(d: Decoded): CmdiVerdict {
  const s = lowerFull(d);
  if (s.length < 2) return { confidence: 0, reason: '' };
  let v = scan(s, d.fullClasses);
  // quoting glued into words (w'h'oami, w\hoami, wh\<LF>oami): read again as the shell runs it
  if (v.confidence < 0.8 && (d.urlClasses & (C_BACKSLASH | C_SQUOTE | C_DQUOTE)) !== 0 && mayBeGlued(d.url, d.urlClasses)) {
    const u = shellDequote(d.url);
    if (u !== undefined) {
      const w = scan(u.toLowerCase(), charClasses(u));
      if (w.confidence > v.confidence) v = { confidence: w.confidence, reason: `dequoted ${w.reason}` };
    }
  }
  // '+' for a space (dir+c:\, ||+dir|c:\): a value with no spaces whose pluses separate words is read again
  if (v.confidence < 0.9 && s.indexOf('+') >= 0 && s.indexOf(' ') < 0) {
    const w = scan(s.replaceAll('+', ' '), d.fullClasses);
    if (w.confidence > v.confidence) return { confidence: w.confidence, reason: `plus-spaced ${w.reason}` };
  }
  // cmd.exe reads a backslash literally: C:\nonexistent, C:\temp\ are paths, not \n and \t escapes
  if (v.confidence < 0.8 && d.url !== d.full && d.url.indexOf('\\') >= 0) {
    const u = d.url.toLowerCase();
    const acc: Acc = { best: v.confidence, why: v.reason };
    batchIf(u, acc);
    if (u.indexOf('%') >= 0 && u.indexOf('(') >= 0) batchFor(u, acc);
    if (acc.best > v.confidence) return { confidence: acc.best, reason: acc.why };
  }
  return v;
}

/** A backslash, or a quote kind that occurs twice (a closed segment needs two): else nothing can be glued. */
function mayBeGlued(s: string, classes: number): boolean {
  if ((classes & C_BACKSLASH) !== 0) return true;
  if ((classes & C_SQUOTE) !== 0 && s.indexOf("'") !== s.lastIndexOf("'")) return true;
  return (classes & C_DQUOTE) !== 0 && s.indexOf('"') !== s.lastIndexOf('"');
}

/**
 * Lines of a value whose first word is a command: several of them are a script, not prose. A line whose
 * command word is followed by a plain word and then reads as a sentence to the line's end ("curl is a
 * command line tool for …", "bzip2 compresses files using …") is prose about the command, not a command line.
 */
function commandLines(s: string): { lines: number; strong: number } {
  let lines = 0, strong = 0;
  let i = 0;
  const n = s.length;
  for (let guard = 0; guard < 256 && i < n; guard++) {
    const w = readWord(s, i);
    const nl = s.indexOf('\n', i);
    const arg = w && TIER_A.has(w.name) ? argShape(s, w.end, w.name) : 'assign';
    if (w && arg !== 'assign' && !(arg === 'word' && proseContinues(s, w.end, nl < 0 ? n : nl))) { lines++; if (!PROSE_WORDS.has(w.name)) strong++; }
    if (nl < 0) break;
    i = nl + 1;
    while (i < n && (s.charCodeAt(i) === 10 || s.charCodeAt(i) === 13)) i++;
  }
  return { lines, strong };
}

/**
 * A value that opens with an input redirection or a cmd.exe caret glued to a command: `<id;`, `<whoami`,
 * `^netstat`. Appended to a command line the `<` ends the previous word and the name runs; `^` is cmd.exe's
 * escape. The command must end the value or be followed by a separator or shell-shaped arguments (`<time
 * datetime=…>`, `<head>` are markup). A regex anchor before an English word (`^test`) needs a separator.
 */
function redirectOrCaret(s: string, lead: number, acc: Acc): void {
  const c = s.charCodeAt(lead + 1);
  if (c < 97 || c > 122) return;
  const w = readWord(s, lead + 1);
  if (!w || w.path || !TIER_A.has(w.name)) return;
  const arg = argShape(s, w.end, w.name);
  if (arg !== 'end' && arg !== 'shell') return;
  const prose = PROSE_WORDS.has(w.name);
  const sep = w.end < s.length;
  if (s.charCodeAt(lead) === 60 ? true : !prose || sep) take(acc, 0.85, `${w.name} after ${s[lead]}`);
}

/**
 * `mask`: the character classes of s (which shell metacharacters occur at all: most values have none, and
 * only the start word is checked). Lower-casing and '+' for a space change none of the bits read.
 */
function scan(s: string, mask: number): CmdiVerdict {
  const n = s.length;
  const acc: Acc = { best: 0, why: '' };
  const fenced = (mask & M_BT) !== 0 && s.indexOf('```') >= 0;

  // a value that opens with a line break puts its first word in command position just like ';'
  let lead = 0;
  while (lead < n && (isWs(s.charCodeAt(lead)))) lead++;
  if (s.charCodeAt(lead) === 10 || s.charCodeAt(lead) === 13) {
    while (lead < n && (s.charCodeAt(lead) === 10 || s.charCodeAt(lead) === 13)) lead++;
    consider(s, acc, lead, SEMI, fenced);
  } else consider(s, acc, 0, START, fenced);
  // a quote that closes the string the value was put in, then a command: ' whoami / " id;
  const q0 = s.charCodeAt(lead);
  if (q0 === 39 || q0 === 34) {
    let k = lead + 1;
    while (k < n && isWs(s.charCodeAt(k))) k++;
    const w = k > lead + 1 || s.charCodeAt(k) === 59 ? readWord(s, k) : undefined;
    if (w && TIER_A.has(w.name)) {
      const arg = argShape(s, w.end, w.name);
      const prose = PROSE_WORDS.has(w.name);
      const sepAfter = arg === 'end' && w.end < n && s.charCodeAt(w.end) !== 35;
      if ((!prose && (arg === 'end' || arg === 'shell')) || (prose && (arg === 'shell' || sepAfter))) take(acc, 0.85, `${w.name} after a closing quote`);
    }
  }
  // newline-separated commands (real line breaks or \n escapes decoded): a value that opens with a line
  // break and runs two command lines, or runs two lines one of which is unambiguously a command
  if ((mask & M_SEP) !== 0 && s.indexOf('\n') >= 0) {
    const cl = commandLines(s);
    if (cl.lines >= 2 && (lead > 0 || cl.strong >= 1) && !fenced) take(acc, 0.85, `${cl.lines} command lines`);
  }
  // a value that opens with a control operator chains onto whatever command it is appended to
  const op = s.charCodeAt(lead);
  if (op === 59 || op === 124 || op === 38 || (op === 36 && s.charCodeAt(lead + 1) === 40)) {
    let k = lead;
    while (k < n && (s.charCodeAt(k) === 59 || s.charCodeAt(k) === 124 || s.charCodeAt(k) === 38 || s.charCodeAt(k) === 96 || s.charCodeAt(k) === 36 || s.charCodeAt(k) === 40)) k++;
    while (k < n && isWs(s.charCodeAt(k))) k++;
    const nc = s.charCodeAt(k);
    const wordish = isLower(nc) || nc === 123 || ((nc === 47 || nc === 92) && isLower(s.charCodeAt(k + 1))) || dotSlashProgram(s, k);
    const entity = op === 38 && /^&[a-z][a-z0-9]{1,15};/.test(s.slice(lead, lead + 18));
    const table = op === 124 && s.indexOf('|', k) > 0;
    // ';;' (a Lisp or ini comment) is a syntax error to a shell outside `case`: it chains onto nothing
    const caseEnd = op === 59 && s.charCodeAt(lead + 1) === 59;
    if (wordish && !entity && !table && !caseEnd) take(acc, 0.8, 'value opens with a shell control operator');
  }
  if (op === 60 || op === 94) redirectOrCaret(s, lead, acc);
  let positions = 0;
  const rows: RowMemo = { from: 0, to: 0, row: false };
  if ((mask & (M_SEP | M_BT | M_DOLLAR | M_LTGT | M_BRACE)) === 0) positions = MAX_POSITIONS;
  for (let i = 0; i < n && positions < MAX_POSITIONS; i++) {
    const c = s.charCodeAt(i);
    // on a markdown/ASCII table row nothing runs (cmdi-prose.ts tableRow): its separators are not read
    if (c === 59 /* ; */) { positions++; if (!tableRow(s, i, rows)) consider(s, acc, i + 1, SEMI, fenced); }
    else if (c === 124 /* | */) { positions++; const row = tableRow(s, i, rows); if (s.charCodeAt(i + 1) === 124) i++; if (!row) consider(s, acc, i + 1, STRONG, fenced); }
    else if (c === 38 /* & */) {
      positions++;
      const row = tableRow(s, i, rows);
      if (s.charCodeAt(i + 1) === 38) { i++; if (!row) consider(s, acc, i + 1, STRONG, fenced); } else if (!row) consider(s, acc, i + 1, AMP, fenced);
    } else if (c === 10 || c === 13) { if (i >= lead) { positions++; consider(s, acc, i + 1, NEWLINE, fenced); } }
    else if (c === 96 /* ` */) {
      positions++;
      if (s.charCodeAt(i + 1) === 96) { while (i + 1 < n && s.charCodeAt(i + 1) === 96) i++; continue; } // ``` fence
      // `code` inside prose or markdown is not a substitution
      const prose = codeSpanSetOff(s, i);
      const close = s.indexOf('`', i + 1);
      if (!prose && !inlineCodeWord(s, i, close) && !tableRow(s, i, rows)) consider(s, acc, i + 1, SUBST, fenced);
      if (close > i) i = close;
    } else if (c === 36 /* $ */ && s.charCodeAt(i + 1) === 40 /* ( */ && s.charCodeAt(i + 2) !== 40) { positions++; if (!tableRow(s, i, rows)) consider(s, acc, i + 2, SUBST, fenced); }
    else if ((c === 60 || c === 62) && s.charCodeAt(i + 1) === 40) { positions++; consider(s, acc, i + 2, SUBST, fenced); } // <(cmd) >(cmd)
    else if (c === 123 /* { */ && i + 1 < n) {
      // brace expansion {cat,/etc/passwd} or a group { cmd; }
      // (no indexOf(',') from every brace: read to the end of a comma-less value from each one, quadratic;
      // 'the first comma after the brace is at w.end' only ever held when s[w.end] is that comma)
      // a blank after the brace makes it the group word (or a JS/Go block, `import { rename, stat }`): the
      // shell expands no braces around a blank
      const w = isWs(s.charCodeAt(i + 1)) ? undefined : readWord(s, i + 1);
      if (w && TIER_A.has(w.name) && s.charCodeAt(w.end) === 44) take(acc, 0.9, `{${w.name},…} brace expansion`);
      else {
        // {,ifconfig} {,/?s?/c?t,…}: empty leading elements, or a glob path, before the command
        let k = i + 1;
        while (k < n && k - i < 8 && s.charCodeAt(k) === 44) k++;
        const v = k > i + 1 || s.charCodeAt(k) === 47 ? readWord(s, k) : undefined;
        const next = v ? s.charCodeAt(v.end) : 0;
        if (v && (TIER_A.has(v.name) || v.glob) && (next === 44 || (k > i + 1 && next === 125))) take(acc, 0.9, `{…${v.name}…} brace expansion`);
        else if (i > 0) innerBrace(s, i, acc);
      }
    }
  }
  // template and interpolation injection: {{ … }}, {% … %}, ${ … }, #{ … }, <%= … %>
  if ((mask & (M_BRACE | M_LTGT)) !== 0) templates(s, acc);
  // signatures that are shell-only
  if ((mask & M_PAREN) !== 0) {
    const ss = s.indexOf('()');
    // bash imports a function from an environment value that starts with '() {' (VAR=() { …, "() { …");
    // a name or 'function' before it is JavaScript or a shell function of its own (main() {, function () {)
    if (ss >= 0 && /^\(\)\s*\{/.test(s.slice(ss, ss + 8)) && opensValue(s, ss)) take(acc, 0.95, 'shellshock function definition');
  }
  if ((mask & M_DOLLAR) !== 0 && (s.indexOf('${ifs') >= 0 || s.indexOf('$ifs') >= 0)) take(acc, 0.85, '$IFS spacing');
  if ((mask & M_SLASH) !== 0 && (s.indexOf('/dev/tcp/') >= 0 || s.indexOf('/dev/udp/') >= 0)) take(acc, 0.95, '/dev/tcp redirection');
  if ((mask & M_LTGT) !== 0) {
    if (s.indexOf('<!--#exec') >= 0) take(acc, 0.95, 'SSI exec');
    if (s.indexOf('<?php') >= 0 || s.indexOf('<?=') >= 0) take(acc, 0.9, 'PHP code');
  }
  if ((mask & M_PAREN) !== 0 && (mask & M_SEP) !== 0 && s.indexOf(';') >= 0) codeStatement(s, acc);
  if ((mask & M_PAREN) !== 0 && (mask & (M_BRACE)) !== 0) functionThenCall(s, acc);
  if ((mask & M_SEP) !== 0 && s.indexOf('\n') >= 0) protocolLines(s, acc);
  if ((mask & M_PCT) !== 0 && s.indexOf('%comspec%') >= 0) take(acc, 0.9, '%COMSPEC%');
  if ((mask & M_PCT) !== 0 && (mask & M_PAREN) !== 0) batchFor(s, acc);
  if (s.indexOf('if') >= 0) batchIf(s, acc);
  if ((mask & M_PAREN) !== 0 && /\(\s*['"$`[]/.test(s)) execCalls(s, acc);
  return { confidence: acc.best, reason: acc.why };
}
