import { isShellBlank as isWs } from './chars.js';
import { TIER_A } from './cmdi-lexicon.js';
import { take, type Acc } from './cmdi-verdict.js';

/**
 * cmd.exe IF statement in command position:
 *
 *   if [/i] [not] exist <file> <command>
 *   if [/i] [not] defined <variable> <command>
 *   if [/i] [not] errorlevel <number> <command>
 *   if [/i] [not] <operand> ==… <operand> <command>
 *   if [/i] [not] <operand> equ|neq|lss|leq|gtr|geq <operand> <command>
 *
 * The keywords `exist`/`errorlevel` after `if`, the three-letter comparison operators and a `/i` switch are
 * batch syntax, not English; so are batch variables (`%1`, `%~1`, `%%a`, `%var%`) and the `"…"`, `[…]`,
 * `{…}` operand wrappers. Weaker shapes (`if not defined x …`, `if a == b …` with plain operands, as a
 * sentence or in Python/Lua could be) need the command after the condition to be a command word or a `(`
 * block; a `{` there is a C-like block (Go's `if x == "y" {`), which cmd.exe cannot run.
 * The value must put `if` where a command starts: its beginning, or after `&`, `|`, `(`, a line break.
 */
const COMPARE = new Set(['equ', 'neq', 'lss', 'leq', 'gtr', 'geq']);
/** cmd.exe built-ins that commonly follow a condition and are not in the command lexicon. */
const BUILTINS = new Set(['goto', 'set', 'echo', '@echo', 'call', 'exit', 'cmd', 'start', 'rem', 'pause', 'cls', 'shift', 'setlocal', 'endlocal',
  'pushd', 'popd', 'cd', 'chdir', 'md', 'mkdir', 'rd', 'del', 'copy', 'move', 'type', 'ren', 'for', 'if']);
const MAX_IFS = 32;

function skipWs(s: string, i: number): number { while (i < s.length && isWs(s.charCodeAt(i))) i++; return i; }

/** One operand: a `"…"`, `[…]`, `{…}` or `(…)` group, or a run of non-blank characters up to `=`. End index, or -1. */
function operand(s: string, i: number): number {
  const c = s.charCodeAt(i);
  const close = c === 34 ? 34 : c === 91 ? 93 : c === 123 ? 125 : -1;
  if (close > 0) {
    const e = s.indexOf(String.fromCharCode(close), i + 1);
    return e < 0 || e - i > 128 ? -1 : e + 1;
  }
  let k = i;
  while (k < s.length && k - i < 128 && !isWs(s.charCodeAt(k)) && s.charCodeAt(k) !== 61 && s.charCodeAt(k) !== 10 && s.charCodeAt(k) !== 13) k++;
  return k === i ? -1 : k;
}

/** The word after the condition: a command word, built-in or `(` block. */
function commandAt(s: string, i: number): boolean {
  if (s.charCodeAt(i) === 40) return true;
  let k = i;
  while (k < s.length && k - i < 24 && !isWs(s.charCodeAt(k)) && s.charCodeAt(k) !== 40 && s.charCodeAt(k) !== 10) k++;
  const w = s.slice(i, k);
  const next = s.charCodeAt(k);
  if (next === 40 && w !== 'echo') return false; // print(x): a call in some language, not a command
  return BUILTINS.has(w) || TIER_A.has(w);
}

const hasBatchVar = (t: string): boolean => /%(?:~?[0-9*]|%?[a-z]|[a-z_][a-z0-9_]*(?::[^%]{0,20})?%)/.test(t);

function readIf(s: string, at: number): string | undefined {
  const n = s.length;
  let i = at + 2;
  let strong = false;
  if (s.charCodeAt(i) === 47 /* / */) { /* if/i */ } else if (!isWs(s.charCodeAt(i))) return undefined;
  i = skipWs(s, i);
  if (s.charCodeAt(i) === 47 && s.charCodeAt(i + 1) === 105 && isWs(s.charCodeAt(i + 2))) { strong = true; i = skipWs(s, i + 2); }
  if (s.startsWith('not', i) && isWs(s.charCodeAt(i + 3))) i = skipWs(s, i + 3);
  const kw = /^(exist|defined|errorlevel)[ \t]/.exec(s.slice(i, i + 12));
  if (kw) {
    const e = operand(s, skipWs(s, i + kw[1]!.length));
    if (e < 0) return undefined;
    const arg = s.slice(skipWs(s, i + kw[1]!.length), e);
    const rest = skipWs(s, e);
    if (rest >= n || s.charCodeAt(rest) === 10 || s.charCodeAt(rest) === 13 || s.charCodeAt(rest) === 123) return undefined;
    if (kw[1] === 'errorlevel' && !/^\d+$/.test(arg)) return undefined;
    if (kw[1] === 'defined' && (/[,.;:!?]$/.test(arg) || !commandAt(s, rest))) return undefined;
    return `if ${kw[1]}`;
  }
  const e1 = operand(s, i);
  if (e1 < 0) return undefined;
  const a = s.slice(i, e1);
  let j = skipWs(s, e1);
  let op: string;
  if (s.charCodeAt(j) === 61 && s.charCodeAt(j + 1) === 61) {
    while (s.charCodeAt(j) === 61) j++;
    op = '==';
  } else {
    const w = s.slice(j, j + 3);
    if (j === e1 || !COMPARE.has(w) || !isWs(s.charCodeAt(j + 3))) return undefined;
    j += 3;
    op = w;
  }
  j = skipWs(s, j);
  const e2 = operand(s, j);
  if (e2 < 0) return undefined;
  const b = s.slice(j, e2);
  const rest = skipWs(s, e2);
  // a `{` block after the condition is C-like code (Go, JS, Rust, Perl: if x == "y" {): cmd.exe runs a
  // command or a `(` block there, and `{` names no command
  if (s.charCodeAt(rest) === 123) return undefined;
  const more = rest < n && s.charCodeAt(rest) !== 10 && s.charCodeAt(rest) !== 13;
  const vars = hasBatchVar(a) || hasBatchVar(b);
  if (op !== '==') return more ? `if … ${op} …` : undefined;
  const wrapped = /^["[{]/.test(a) || /^["[{]/.test(b);
  if (strong || vars || wrapped) return more || vars ? 'if … == …' : undefined;
  // plain operands: a(==b) or "b:" are code in other languages; the command after must be one
  if (a.startsWith('(') || b.endsWith(')') || b.endsWith(':')) return undefined;
  return more && commandAt(s, rest) ? 'if … == …' : undefined;
}

export function batchIf(s: string, acc: Acc): void {
  let guard = 0;
  for (let p = s.indexOf('if'); p >= 0 && guard < MAX_IFS; p = s.indexOf('if', p + 2)) {
    let k = p - 1;
    while (k >= 0 && isWs(s.charCodeAt(k))) k--;
    const before = k < 0 ? -1 : s.charCodeAt(k);
    // command position: start, & | ( line break, @ (echo-off prefix)
    if (!(before === -1 || before === 38 || before === 124 || before === 40 || before === 10 || before === 13 || before === 64)) continue;
    guard++;
    const why = readIf(s, p);
    if (why) { take(acc, 0.85, `cmd.exe ${why} statement`); return; }
  }
}
