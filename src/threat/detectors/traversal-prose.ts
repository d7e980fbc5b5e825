/**
 * An absolute path named in running text ("such as /etc/issue, /etc/motd and others", "(e.g. wtmp,
 * /etc/passwd, nfs)") rather than sent as a path. A file parameter opens its whole value: a value whose path
 * is one word of a sentence reads no file. The path must stand alone — the start, a blank, '(' or ',' before
 * it, and a blank, sentence punctuation or the end after it — the value must carry a sentence (four plain
 * words in a row) and none of the characters that make it code (markup, shell operators, template braces,
 * a NUL): those values keep the detectors' full reading.
 */
import { isDigit, isLetter } from './chars.js';

/** A run of `min` words of two or more ASCII letters, each separated from the next by one blank. */
function hasSentence(s: string, min: number): boolean {
  let run = 0, len = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1;
    if (isLetter(c)) { len++; continue; }
    const glued = isDigit(c) || c === 95 || c === 45 || c === 64 || c === 47; // x1, x_y, x-y, x@y, x/y: not a plain word
    if (len >= 2 && !glued) { if (++run >= min) return true; } else run = 0;
    if (c !== 32) run = 0; // only a single blank continues the run
    len = 0;
  }
  return false;
}

const CODE = /[<>;|`{}$\u0000]/;

/** `lower`: the value lower-cased with '\' as '/'; `target`: the target text as targetAt names it (etc/passwd). */
export function pathInProse(lower: string, target: string): boolean {
  const at = lower.indexOf(`/${target}`);
  if (at < 0 || CODE.test(lower)) return false;
  const before = at === 0 ? 32 : lower.charCodeAt(at - 1);
  if (!(before === 32 || before === 9 || before === 10 || before === 13 || before === 40 || before === 44)) return false;
  let end = at + 1 + target.length;
  while (end < lower.length && /[a-z0-9_.\-/]/.test(lower[end]!)) end++;
  while (end > at && lower.charCodeAt(end - 1) === 46) end--; // a full stop ends the sentence, not the path
  const after = end < lower.length ? lower.charCodeAt(end) : 32;
  if (!(after === 32 || after === 9 || after === 10 || after === 13 || after === 44 || after === 46 || after === 41 || after === 59 || after === 58)) return false;
  return hasSentence(lower, 4);
}
