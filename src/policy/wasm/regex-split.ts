import { LRUCache } from 'lru-cache';
import { RE2JS } from 're2js';
import { checkEvalDeadline } from './eval-deadline.js';

/**
 * OPA's regex.split(pattern, value): Go's regexp.MustCompile(pattern).Split(value, -1) (OPA
 * v1/topdown/regex.go), on RE2JS — RE2 syntax (`(?i)`, `\pL`, `\z`, `[[:digit:]]`, `\Q…\E`; no
 * backreferences or lookaround) and matching in time linear in the value, never backtracking.
 *
 * JavaScript strings are UTF-16 and Go's are UTF-8, but RE2JS matches code points and both sides split at
 * the same characters: an empty match advances one code point (a surrogate pair, as Go advances one rune),
 * so the pieces are the same strings.
 */

/**
 * What the cache may hold: compiled instructions plus pattern characters. Counted repetition expands
 * (`a{1000}` is a thousand instructions), so a short pattern can be a big program — RE2 accepts up to
 * 1.4 M instructions, measured at about 75 bytes each (1 M: 75 MB, 2 s to compile). Ordinary patterns
 * are well under 1 000 instructions; a pattern over the whole budget is compiled for the call and not kept.
 */
export const REGEX_CACHE_MAX_PROGRAM = 1 << 18;

/** Compiled patterns, like OPA's own cache (100 regexps): by count, and by program size so a few huge patterns from input cannot pin memory. */
const compiled = new LRUCache<string, RE2JS>({ max: 100, maxSize: REGEX_CACHE_MAX_PROGRAM, sizeCalculation: (re, pattern) => re.programSize() + pattern.length + 1 });

/** Instructions of the compiled patterns the cache holds (tests). */
export function cachedProgramSize(): number {
  let n = 0;
  for (const re of compiled.values()) n += re.programSize();
  return n;
}

function compile(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = RE2JS.compile(pattern); // throws on a pattern RE2 rejects, as Go's regexp.Compile
    compiled.set(pattern, re);
  }
  return re;
}

/** Code units taken by the code point at `i` (1, or 2 for a surrogate pair). */
function codePointWidth(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/**
 * Go's (*Regexp).allMatches: successive leftmost-first matches, [start, end) in code units. An empty
 * match right after the previous match is skipped and an empty match advances one code point. Checks the
 * evaluation deadline between matches: each search is linear, but a value with many matches that each
 * scan far ahead (`a+b|a` on "aaa…") is quadratic — in Go too, where it only blocks one goroutine.
 */
function matchIndexes(re: RE2JS, s: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const m = re.matcher(s);
  let prevEnd = -1;
  for (let pos = 0; pos <= s.length;) {
    checkEvalDeadline();
    if (!m.find(pos)) break;
    const start = m.start();
    const end = m.end();
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      pos += pos < s.length ? codePointWidth(s, pos) : 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push([start, end]);
  }
  return out;
}

/** Go's (*Regexp).Split(s, -1), including its edge cases (empty value, empty pattern, matches at either end). */
export function regexSplit(pattern: unknown, value: unknown): string[] {
  if (typeof pattern !== 'string') throw new TypeError('regex.split: operand 1 must be a string');
  if (typeof value !== 'string') throw new TypeError('regex.split: operand 2 must be a string');
  const re = compile(pattern);
  if (pattern.length > 0 && value.length === 0) return [''];
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const [start, stop] of matchIndexes(re, value)) {
    end = start;
    if (stop !== 0) parts.push(value.slice(beg, end));
    beg = stop;
  }
  if (end !== value.length) parts.push(value.slice(beg));
  return parts;
}
