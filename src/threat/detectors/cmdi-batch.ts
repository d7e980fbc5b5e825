import { isJsSpace } from './chars.js';
import { take, type Acc } from './cmdi-verdict.js';

/**
 * cmd.exe FOR loop: `for [/d|/l|/f|/r [path] …] ["options"] %var in (set) do command`. The `%var` loop variable
 * (or `%%var` in a batch file) followed by `in (…) do` is batch syntax, not prose; it must sit in command
 * position (the start, or after a separator or an opening parenthesis, with at most 32 blanks between).
 * Linear time: each `for` is found with indexOf, its command position checked by looking back at most 33
 * characters, and the rest matched by a sticky expression whose every quantifier is bounded (at most four
 * switches — cmd.exe takes one), so one `for` costs a bounded number of steps however long the value.
 */
const FOR_TAIL = /for(?:\s{1,32}\/[dlfr](?:\s{1,32}[^\s%"/][^\s%]{0,80})?){0,4}(?:\s{1,32}"[^"\n]{0,80}")?\s{1,32}%%?[a-z][a-z0-9_]{0,30}\s{1,32}in\s{0,32}\([^)\n]{0,200}\)\s{0,32}do\b/y;

/** `for` at i preceded by up to 32 blanks and then the start or one of `; & | ( \n \r`. */
function inCommandPosition(s: string, i: number): boolean {
  for (let k = 0; k <= 32; k++) {
    const j = i - 1 - k;
    if (j < 0) return true;
    const c = s.charCodeAt(j);
    if (c === 59 || c === 38 || c === 124 || c === 40 || c === 10 || c === 13) return true;
    if (!isJsSpace(c)) return false;
  }
  return false;
}

/** Whether s holds a cmd.exe FOR loop in command position. */
export function hasForLoop(s: string): boolean {
  for (let i = s.indexOf('for'); i >= 0; i = s.indexOf('for', i + 1)) {
    if (!inCommandPosition(s, i)) continue;
    FOR_TAIL.lastIndex = i;
    if (FOR_TAIL.test(s)) return true;
  }
  return false;
}

export function batchFor(s: string, acc: Acc): void {
  if (s.indexOf('for') < 0 || s.indexOf('%') < 0) return;
  if (hasForLoop(s)) take(acc, 0.85, 'cmd.exe FOR loop');
}
