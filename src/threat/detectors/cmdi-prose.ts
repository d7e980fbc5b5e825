/**
 * What in a value reads as prose or markdown rather than as a command line, and the few shell shapes that
 * decide it (cmdi.ts asks these once it has found a command word).
 */
import { isLetter, isShellBlank } from './chars.js';
import { PROSE_WORDS } from './cmdi-lexicon.js';

/** Blanks inside a command line (a line break is a separator, not a blank). */
export const isWs = isShellBlank;

/**
 * An English word that is also a command opens the value, with one shell-looking argument, and the value
 * then goes on as a sentence — two plain words in a row, no shell operator anywhere and no argument-shaped
 * word after them ("open https://example.com to continue", "type 'yes' to confirm", "find /docs for
 * help"). A command line that starts with such a word reads as arguments to its end ("find / -perm
 * -4000", "cat /etc/passwd > x", "net user guest s3cret /add"). `to` bounds the reading (one line of a value).
 */
export function proseContinues(s: string, from: number, to = s.length): boolean {
  let plainRun = 0;
  let sentence = false;
  let i = from;
  const n = to;
  while (i < n) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const start = i;
    let plain = true;
    for (; i < n && !isWs(s.charCodeAt(i)); i++) {
      const c = s.charCodeAt(i);
      if (c === 59 || c === 124 || c === 38 || c === 96 || c === 36 || c === 62 || c === 60) return false; // ; | & ` $ > <
      if (!isLetter(c) && !(c === 39 && i > start)) plain = false; // letters, an inner apostrophe (don't)
    }
    if (i === start) break;
    if (plain && i - start >= 2) { if (++plainRun >= 2) sentence = true; continue; }
    plainRun = 0;
    const c0 = s.charCodeAt(start);
    // after the sentence started: a flag, a path, a quoted or numeric argument means a command line
    if (sentence && (c0 === 45 || c0 === 47 || c0 === 92 || c0 === 126 || c0 === 34 || c0 === 39 || (c0 >= 48 && c0 <= 57))) return false;
  }
  return sentence;
}

/**
 * Whether the backtick at `at` opens a markdown code span set off as formatting rather than a shell
 * substitution: a blank before it, and before that blank prose or markdown punctuation —
 *   - a word or a sentence mark: "run `make`", "files, `a.c`", "Clone the repo: `git clone …`";
 *   - closing emphasis: "**Default:** `false`", "**expires** `Date|number`", "_see_ `x`";
 *   - a list bullet or heading marker alone at the start of its line: "- `git checkout main`",
 *     "* `tools/*.py`", "1. `npm test`", "1) `npm test`", "#### `umask`";
 *   - an opening parenthesis after a word: "Valgrind Test (`make -C tests`)" (to a shell, a `(` after a
 *     word is a syntax error: nothing on the line runs).
 * A substitution glued to a value (x`id`, name=`id`), after a separator (;`id`, | `id`, && `id`), opening
 * the value or a line (`id`, "\n`id`"), or after `$(`, a quote or a lone `(` is not set off.
 */
export function codeSpanSetOff(s: string, at: number): boolean {
  let b = at - 1;
  let opener = false;
  if (b >= 0 && s.charCodeAt(b) === 40 /* ( */) { opener = true; b--; }
  if (b < 0 || !isWs(s.charCodeAt(b))) return false;
  while (b >= 0 && isWs(s.charCodeAt(b))) b--;
  if (b < 0) return false;
  const c = s.charCodeAt(b);
  if (opener) return isLetter(c) || (c >= 48 && c <= 57);
  if (isLetter(c) || c === 44 || c === 46 || c === 58) return true; // word , . :
  if (c === 42 || c === 95 || c === 45 || c === 43 || c === 35 || c === 41) {
    // a run of markers: * _ (emphasis, bullet), - + (bullet), # (heading), 1) (ordered list)
    let k = b;
    if (c === 41) {
      k--;
      const end = k;
      while (k >= 0 && end - k < 9 && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k--;
      if (k === end) return false;
    } else {
      let run = 0;
      while (k >= 0 && s.charCodeAt(k) === c && run < 8) { k--; run++; }
      // closing emphasis: the marker run is glued to the word it closes (**Default:**, _also_)
      if ((c === 42 || c === 95) && k >= 0 && !isWs(s.charCodeAt(k)) && s.charCodeAt(k) !== 10 && s.charCodeAt(k) !== 13) return true;
      if (c === 35 ? run > 6 : run !== 1) return false;
    }
    // a bullet or heading marker: only indentation before it on its line
    while (k >= 0 && isWs(s.charCodeAt(k))) k--;
    return k < 0 || s.charCodeAt(k) === 10 || s.charCodeAt(k) === 13;
  }
  return false;
}

/**
 * Markdown inline code: a backtick span holding one word that is also English (`true`, `false`, `type`,
 * `split`), set off by blanks or markdown punctuation, beside a word of prose ("Default: `false`",
 * "| `type` | string |").
 * Run bare, those commands reveal nothing; a probe is the span alone or glued to a value (x`id`).
 */
export function inlineCodeWord(s: string, open: number, close: number): boolean {
  if (close < 0 || close - open - 1 > 16 || close - open - 1 < 2) return false;
  for (let k = open + 1; k < close; k++) if (!isLetter(s.charCodeAt(k))) return false;
  if (!PROSE_WORDS.has(s.slice(open + 1, close))) return false;
  // set off as a code span: by a blank or markdown punctuation, not glued to a value (x`id`, name=`id`)
  const before = open > 0 ? s.charCodeAt(open - 1) : 32;
  const after = close + 1 < s.length ? s.charCodeAt(close + 1) : 32;
  if (!isWs(before) && !SPAN_OPEN.includes(before)) return false;
  if (!isWs(after) && !SPAN_CLOSE.includes(after)) return false;
  let run = 0;
  for (let k = 0; k <= s.length; k++) {
    if (k >= open && k <= close) { run = 0; continue; }
    if (k < s.length && isLetter(s.charCodeAt(k))) { run++; continue; }
    if (run >= 2) return true; // a word of prose beside the span
    run = 0;
  }
  return false;
}
const SPAN_OPEN = [40, 91, 42, 95, 34, 39]; // ( [ * _ " '
const SPAN_CLOSE = [46, 44, 58, 41, 93, 42, 95, 34, 39, 33, 63]; // . , : ) ] * _ " ' ! ?

/** A '>' or '>>' (optionally after a file descriptor) followed by an absolute, home or ./ path. */
export function redirectsToPath(s: string, from: number): boolean {
  let i = s.indexOf('>', from);
  let guard = 0;
  while (i >= 0 && guard++ < 4) {
    let j = i + 1;
    if (s.charCodeAt(j) === 62) j++;
    while (j < s.length && isWs(s.charCodeAt(j))) j++;
    const c = s.charCodeAt(j);
    const c2 = s.charCodeAt(j + 1);
    if ((c === 47 && isLetter(c2)) || (c === 126 && c2 === 47) || (c === 46 && c2 === 47)) return true; // /x ~/ ./
    i = s.indexOf('>', j);
  }
  return false;
}

/** Nothing but blanks, '=', ':', a quote or a separator before position `at`, back to the last such mark. */
export function opensValue(s: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && isWs(s.charCodeAt(k))) k--;
  if (k < 0) return true;
  const c = s.charCodeAt(k);
  return c === 61 || c === 58 || c === 34 || c === 39 || c === 59 || c === 10 || c === 13 || c === 124 || c === 38; // = : " ' ; \n \r | &
}

/** The table-row answer of the line last asked about: a value's pipes are read line by line, each line once. */
export interface RowMemo { from: number; to: number; row: boolean }

/**
 * Whether position `at` lies on a markdown or ASCII table row: a line that opens with `|` (`| Type | string |`),
 * whose pipes are cell borders. A shell (sh, bash, cmd.exe) refuses a line that starts with a pipe before running
 * anything on it, so nothing on such a line runs: its `|`, `;`, `&`, backticks and `$(` are not read. This holds on a later line of the value, unless the line before ends with a continuation (`\`,
 * cmd.exe's `^`) that glues the two. The value's first line is appended to the application's command (`ping
 * ${value}` → `ping | id`), so there the row must also end with `|` and the next line open with `|`: the
 * pipeline then continues into a line that starts with a pipe, a syntax error that runs nothing.
 */
export function tableRow(s: string, at: number, memo: RowMemo): boolean {
  if (at >= memo.from && at < memo.to) return memo.row;
  const ls = s.lastIndexOf('\n', at - 1) + 1;
  let le = s.indexOf('\n', at);
  if (le < 0) le = s.length;
  memo.from = ls; memo.to = le; memo.row = rowLine(s, ls, le);
  return memo.row;
}

function rowLine(s: string, ls: number, le: number): boolean {
  let k = ls;
  while (k < le && isWs(s.charCodeAt(k))) k++;
  if (s.charCodeAt(k) !== 124) return false;
  // a line before this one within the value: it must not glue onto this line
  let p = ls - 1;
  while (p >= 0 && (s.charCodeAt(p) === 10 || s.charCodeAt(p) === 13 || isWs(s.charCodeAt(p)))) p--;
  if (p >= 0) { const c = s.charCodeAt(p); return c !== 92 && c !== 94; }
  // the first line: a row ending with `|`, followed by a line that opens with `|`
  if (le >= s.length) return false;
  let e = le - 1;
  while (e > k && (s.charCodeAt(e) === 13 || isWs(s.charCodeAt(e)))) e--;
  if (s.charCodeAt(e) !== 124 || e === k) return false;
  let m = le + 1;
  while (m < s.length && isWs(s.charCodeAt(m))) m++;
  return s.charCodeAt(m) === 124;
}
