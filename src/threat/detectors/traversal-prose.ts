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

/**
 * Documentation linking to documentation: a sentence whose dot-dots are all relative links of prose —
 * a markdown link target (`[policy](../../VERSIONING.md)`) that climbs to a documentation file (.md, .rst,
 * .html, .txt, .adoc) and nothing but plain names after its leading `../`s, or a path word that climbs one
 * level (`see ../man and ../share/man`). A traversal climbs several levels in one path, or to a file only an
 * attacker asks for (the caller has found no such target), or hides its separators in encodings and noise
 * (the caller has found none): those keep their reading. Markup, template braces, escapes, backslashes and
 * NULs also keep it. `lower`: the folded value, lower-cased.
 */
const LINK_CODE = /[<>{}\u0000]/; // ';' and '|' are prose and table punctuation; a path word holding one fails the word rules
const DOC_LINK = /^(?:\.\.\/)+(?:[a-z0-9_-][a-z0-9_.-]*\/)*[a-z0-9_-][a-z0-9_.-]*\.(?:md|markdown|mdx|rst|txt|adoc|html?)(?:#[a-z0-9_.-]*)?$/;
const ONE_UP = /^\.\.\/[a-z0-9_-][a-z0-9_-]*(?:\/[a-z0-9_-][a-z0-9_.-]*)*\/?$/;

export function relativeLinksInProse(lower: string): boolean {
  if (LINK_CODE.test(lower) || lower.indexOf('\\') >= 0 || !hasSentence(lower, 4)) return false;
  for (let at = lower.indexOf('..'); at >= 0; at = lower.indexOf('..', at)) {
    // the path word holding this dot-dot: bounded by blanks, quotes, backticks, brackets and parentheses
    let s = at;
    while (s > 0 && !/[\s`'"()[\],]/.test(lower[s - 1]!)) s--;
    let e = at;
    while (e < lower.length && !/[\s`'"()[\],]/.test(lower[e]!)) e++;
    let word = lower.slice(s, e);
    if (word.endsWith('.') && !word.endsWith('..')) word = word.slice(0, -1); // a full stop ends the sentence
    if (/^\.{2,}$/.test(word)) { at = e; continue; } // an ellipsis, no path
    const linked = s >= 2 && lower[s - 1] === '(' && lower[s - 2] === ']' && lower[e] === ')';
    if (!(linked && DOC_LINK.test(word)) && !ONE_UP.test(word)) return false;
    at = e;
  }
  return true;
}
