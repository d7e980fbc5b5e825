/**
 * Script written to dodge word filters rather than to be read: JavaScript grammar lets a member access be
 * split by comments (`document/*x*\/.cookie`), a function be called without parentheses through
 * `Function.prototype.call` used as a template tag (`[].sort.call\`${alert}1\``), and any value be spelled
 * from `[]`, `!`, `+` and parentheses alone (JSFuck). Each shape is something only obfuscated script
 * writes. Input is the lower-cased value (the template reader: the value as written); every scan is an indexOf/char-code loop: linear.
 */
import { isCodeWs as isWs } from './chars.js';

export interface ObfuscationVerdict { confidence: number; reason: string }
const NONE: ObfuscationVerdict = { confidence: 0, reason: '' };

/** Browser globals whose members read secrets, navigate or reach every other global. */
const GLOBALS = ['document', 'window', 'self', 'top', 'parent', 'frames', 'globalthis', 'location', 'opener', 'navigator', 'localstorage', 'sessionstorage'];
/** Functions that run code or show UI when referenced as a value inside a template substitution. */
const TEMPLATE_SINKS = new Set(['alert', 'prompt', 'confirm', 'eval', 'Function', 'setTimeout', 'setInterval', 'execScript', 'import']);

function isId(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36; }

const MAX_SCAN = 8 * 1024;

/**
 * A member access on a browser global with a block comment inside it: `document /*a*\/ . cookie`,
 * `(window/*a*\/)["name"]`, `self/*a*\/["alert"]`. The value is read with comments and blanks removed,
 * remembering where a comment stood; a global followed by `.name`, `[` or `)[`/`).` whose span held a
 * comment is the finding. Plain `document.cookie` (prose mentions it) is not.
 */
export function commentSplitMember(s: string): ObfuscationVerdict {
  if (s.indexOf('/*') < 0) return NONE;
  const n = Math.min(s.length, MAX_SCAN);
  let out = '';
  const commentAt: number[] = []; // positions in `out` that a comment preceded
  let comments = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 && s.charCodeAt(i + 1) === 42) {
      const end = s.indexOf('*/', i + 2);
      if (end < 0) break;
      commentAt.push(out.length);
      comments++;
      i = end + 1;
      continue;
    }
    if (isWs(c)) continue;
    out += s[i];
  }
  if (comments === 0) return NONE;
  const inside = (from: number, to: number): boolean => {
    for (const p of commentAt) if (p > from && p <= to) return true;
    return false;
  };
  for (const g of GLOBALS) {
    for (let at = out.indexOf(g); at >= 0; at = out.indexOf(g, at + g.length)) {
      if (at > 0 && isId(out.charCodeAt(at - 1))) continue;
      let k = at + g.length;
      const paren = out.charCodeAt(k) === 41 && at > 0 && out.charCodeAt(at - 1) === 40; // (document)
      if (paren) k++;
      const acc = out.charCodeAt(k);
      const member = (acc === 46 && isId(out.charCodeAt(k + 1)) && !(out.charCodeAt(k + 1) >= 48 && out.charCodeAt(k + 1) <= 57)) ||
        (acc === 91 && (out.charCodeAt(k + 1) === 34 || out.charCodeAt(k + 1) === 39 || out.charCodeAt(k + 1) === 96));
      if (member && inside(at, k + 1)) return { confidence: 0.85, reason: `${g} member access split by a comment` };
    }
  }
  return NONE;
}

/**
 * A call without parentheses: `.call`, `.apply` or `.bind` used as a template tag (the template's strings
 * array becomes `this`, its substitutions the arguments), or a template substitution that is nothing but a
 * code-running function (`${eval}`, `${alert}`) — a function passed as a value into a tagged call.
 * Case-sensitive like JS (prose starts a sentence with "Call `x`").
 */
export function templateCallGadget(s: string): ObfuscationVerdict {
  if (s.indexOf('`') < 0) return NONE;
  const n = Math.min(s.length, MAX_SCAN);
  for (let t = s.indexOf('`'); t >= 0 && t < n; t = s.indexOf('`', t + 1)) {
    let p = t - 1;
    while (p >= 0 && isWs(s.charCodeAt(p))) p--;
    const end = p + 1;
    while (p >= 0 && isId(s.charCodeAt(p)) && end - p <= 6) p--;
    const name = s.slice(p + 1, end);
    if (name !== 'call' && name !== 'apply' && name !== 'bind') continue;
    while (p >= 0 && isWs(s.charCodeAt(p))) p--;
    if (s.charCodeAt(p) === 46) return { confidence: 0.85, reason: `.${name} used as a template tag` };
  }
  for (let d = s.indexOf('${'); d >= 0 && d < n; d = s.indexOf('${', d + 2)) {
    let k = d + 2;
    while (k < n && isWs(s.charCodeAt(k))) k++;
    const st = k;
    while (k < n && isId(s.charCodeAt(k))) k++;
    const id = s.slice(st, k);
    while (k < n && isWs(s.charCodeAt(k))) k++;
    if (s.charCodeAt(k) === 125 && TEMPLATE_SINKS.has(id)) {
      // only inside a backtick template: the value must hold a backtick before the substitution
      if (s.lastIndexOf('`', d) >= 0) return { confidence: 0.85, reason: `${id} passed as a template substitution` };
    }
  }
  return NONE;
}

/**
 * JSFuck: script spelled with `[ ] ( ) ! +` only, e.g. `(![]+[])[+!+[]]` (the letter "a"). A run of those
 * characters (blanks allowed: a form-decoded `+` is a space) with at least ten symbols, a negated empty
 * array `![]`, and an index into a parenthesised or bracketed expression (`)[`, `][`).
 */
export function jsfuck(s: string): ObfuscationVerdict {
  if (s.indexOf('![') < 0 && s.indexOf('! [') < 0) return NONE;
  const n = Math.min(s.length, MAX_SCAN);
  let run = '';
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : -1;
    if (c === 91 || c === 93 || c === 40 || c === 41 || c === 33 || c === 43) { run += s[i]; continue; }
    if (c !== -1 && isWs(c)) continue;
    if (run.length >= 10 && run.indexOf('![]') >= 0 && (run.indexOf(')[') >= 0 || run.indexOf('][') >= 0)) {
      return { confidence: 0.9, reason: 'JSFuck-style expression' };
    }
    run = '';
  }
  return NONE;
}
