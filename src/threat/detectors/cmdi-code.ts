import { CODE_FUNCTIONS, EXEC_FUNCTIONS } from './cmdi-lexicon.js';
import { take, type Acc } from './cmdi-verdict.js';
import { isShellBlank as isWs } from './chars.js';

/** Interpreter code in a value: functions that run a command string, and code calls written as statements. */

/**
 * An interpreter function called as a statement: `phpversion();`, `:phpinfo();`, `x;system($c);` — a
 * name from CODE_FUNCTIONS right before `(`, not a method or member (`.`, `->`, `$` before it) nor a word
 * in a sentence (a word before it), whose argument list closes and is followed by `;`.
 */
export function codeStatement(s: string, acc: Acc): void {
  let guard = 0;
  for (let p = s.indexOf('('); p >= 0 && guard < 64; p = s.indexOf('(', p + 1), guard++) {
    let k = p;
    while (k > 0 && p - k < 24) {
      const c = s.charCodeAt(k - 1);
      if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) break;
      k--;
    }
    if (k === p) continue;
    const before = k > 0 ? s.charCodeAt(k - 1) : 32;
    if (before === 46 || before === 62 || before === 36 || before === 92) continue; // .x( ->x( $x( \x(
    if (isWs(before)) { // a word of prose before it: "the include(s); list"
      let b = k - 1;
      while (b > 0 && isWs(s.charCodeAt(b - 1))) b--;
      const w = b > 0 ? s.charCodeAt(b - 1) : 0;
      if ((w >= 97 && w <= 122) || (w >= 48 && w <= 57)) continue;
    }
    if (!CODE_FUNCTIONS.has(s.slice(k, p))) continue;
    const close = s.indexOf(')', p + 1);
    if (close < 0 || close - p > 160) continue;
    const inner = s.indexOf('(', p + 1);
    if (inner >= 0 && inner < close) continue;
    let j = close + 1;
    while (j < s.length && isWs(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) === 59) { take(acc, 0.85, `${s.slice(k, p)}(); statement`); return; }
  }
}

/** An EXEC_FUNCTIONS call whose argument is a string, variable or backtick: system('id'), os.popen("…"), exec($c). */
export function execCalls(s: string, acc: Acc): void {
  const n = s.length;
  for (const f of EXEC_FUNCTIONS) {
    const at = s.indexOf(f);
    if (at < 0) continue;
    const before = at > 0 ? s.charCodeAt(at - 1) : 32;
    if ((before >= 97 && before <= 122) || before === 95) continue;
    let k = at + f.length;
    while (k < n && isWs(s.charCodeAt(k))) k++;
    const a = s.charCodeAt(k);
    if (a === 39 || a === 34 || a === 36 || a === 96 || a === 91) take(acc, f === 'eval(' || f.startsWith('include') || f.startsWith('require') || f === 'fopen(' || f === 'readfile(' || f === 'file_get_contents(' ? 0.8 : 0.85, `${f.slice(0, -1)} call`);
  }
}
