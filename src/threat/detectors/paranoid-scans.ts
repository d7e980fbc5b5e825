/**
 * Three paranoid-level shapes (see paranoid.ts) read in linear time. Each was one unanchored regular
 * expression that a backtracking matcher tries from every start position, re-reading the same text
 * (recheck: polynomial); here each candidate position is found by indexOf or one backward pass and read
 * once, or by a sticky expression whose quantifiers are all bounded. They match exactly what the
 * expressions in their comments match (test/unit/threat/paranoid-scans.test.ts compares them).
 */
import { isIdentChar, isJsSpace } from './chars.js';

const RULE_BODY = /\{[^}]{0,256}\}/y;
const DECLARATION = /\{\s{0,8}[a-z-]{1,32}\s{0,8}:\s{0,8}[^;}]{1,256}[;}]/y;

/** `[}*\]]\s{0,8}\{[^}]{0,256}\}|\{\s{0,8}[a-z-]{1,32}\s{0,8}:\s{0,8}[^;}]{1,256}[;}]`: a CSS rule or declaration block. */
export function cssRule(s: string): boolean {
  for (let i = s.indexOf('{'); i >= 0; i = s.indexOf('{', i + 1)) {
    DECLARATION.lastIndex = i;
    if (DECLARATION.test(s)) return true;
    if (afterRuleEnd(s, i)) { RULE_BODY.lastIndex = i; if (RULE_BODY.test(s)) return true; }
  }
  return false;
}

/** `{` at i preceded by up to 8 blanks and then `}`, `*` or `]`. */
function afterRuleEnd(s: string, i: number): boolean {
  for (let k = 0; k <= 8; k++) {
    const j = i - 1 - k;
    if (j < 0) return false;
    const c = s.charCodeAt(j);
    if (c === 125 || c === 42 || c === 93) return true;
    if (!isJsSpace(c)) return false;
  }
  return false;
}

const ASSIGN_HEAD = /^\s*[A-Za-z_$][\w$]*\s*=\s*(["'`])/;

/** `^\s*[A-Za-z_$][\w$]*\s*=\s*(["'`]).*\1\s*;?\s*$`: an assignment of one quoted string, alone in the value. */
export function scriptAssignment(s: string): boolean {
  const m = ASSIGN_HEAD.exec(s);
  if (!m) return false;
  const open = m[0].length - 1;
  let end = s.trimEnd().length;
  if (end > 0 && s.charCodeAt(end - 1) === 59) end = s.slice(0, end - 1).trimEnd().length;
  if (end - 1 <= open || s[end - 1] !== m[1]) return false;
  for (let i = open + 1; i < end - 1; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return false; // what `.` does not match
  }
  return true;
}

const URL_HEAD = /^[a-z][a-z0-9+.-]{1,15}:\/\//;

/**
 * `^[a-z][a-z0-9+.-]{1,15}:\/\/\S+\.([a-z0-9]{2,5})(?:[?#]\S*)?$` → the extension (group 1): the last `.ext`
 * (2–5 of a-z0-9) that ends the URL or stands before its `?`/`#`, with no blank anywhere after `://`.
 */
export function urlExtension(t: string): string | undefined {
  const m = URL_HEAD.exec(t);
  if (!m) return undefined;
  const from = m[0].length;
  for (let i = from; i < t.length; i++) if (isJsSpace(t.charCodeAt(i))) return undefined;
  for (let d = t.lastIndexOf('.'); d > from; d = t.lastIndexOf('.', d - 1)) {
    let e = d + 1;
    while (e < t.length && e - d <= 6 && isExtChar(t.charCodeAt(e))) e++;
    const n = e - d - 1;
    if (n >= 2 && n <= 5 && (e === t.length || t[e] === '?' || t[e] === '#')) return t.slice(d + 1, e);
  }
  return undefined;
}

function isExtChar(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 48 && c <= 57); }

/**
 * `\bfor\s*\([^);]{0,64};[^);]{0,64};`: the head of a C-style `for (init; test;` loop. Each `for` found by
 * indexOf is read once (the expression re-read up to 64 characters per clause from every start).
 */
export function cStyleForHeader(s: string): boolean {
  for (let at = s.indexOf('for'); at >= 0; at = s.indexOf('for', at + 1)) {
    if (at > 0 && isIdentChar(s.charCodeAt(at - 1))) continue;
    let i = at + 3;
    while (i < s.length && isJsSpace(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 40) continue;
    i++;
    let clauses = 0;
    for (; clauses < 2; clauses++) {
      const end = Math.min(s.length, i + 65);
      let j = i;
      while (j < end && s.charCodeAt(j) !== 59 && s.charCodeAt(j) !== 41) j++;
      if (j === end || s.charCodeAt(j) !== 59) break;
      i = j + 1;
    }
    if (clauses === 2) return true;
  }
  return false;
}

