/**
 * JavaScript-context XSS without markup: a value that lands inside a script (an inline handler, a JS
 * string, a JSONP callback) needs no tag. Reads the value as JS tokens and looks for what only script
 * does with the functions and objects an attacker needs: a sink passed around as a value
 * (`(alert)(1)`, `a=alert,a(1)`, `[1].find(alert)`), a tagged template (`alert\`1\``), a call or an
 * assignment on a sensitive global (`window.open(…)`, `navigator.vibrate(…)`, `location="…"`).
 * Case-sensitive like JS itself; one pass over the value.
 */
import { isCodeWs as isWs } from './chars.js';
import { jsStringBreakout } from './xss-js-breakout.js';

export interface JsVerdict { confidence: number; reason: string }

/** Functions that execute code, show UI or exfiltrate: referencing one as a value is the point. */
const SINKS = new Set(['alert', 'prompt', 'confirm', 'eval', 'setTimeout', 'setInterval', 'Function', 'execScript', 'importScripts', 'print']);
/** Globals whose members navigate, open windows, read secrets or drive the device. */
const GLOBALS = new Set(['window', 'document', 'location', 'navigator', 'top', 'self', 'parent', 'opener', 'frames', 'globalThis', 'localStorage', 'sessionStorage', 'history']);
/** Globals that navigate when assigned. */
const NAV_TARGETS = new Set(['location', 'href']);

function isIdStart(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36; }
function isId(c: number): boolean { return isIdStart(c) || (c >= 48 && c <= 57); }

const MAX_SCAN = 16 * 1024;

/** First characters of every name above: identifiers starting otherwise are skipped without a slice. */
const FIRST = new Uint8Array(128);
for (const name of [...SINKS, ...GLOBALS]) FIRST[name.charCodeAt(0)] = 1;
const NONE: JsVerdict = { confidence: 0, reason: '' };

export function detectJsExpression(s: string): JsVerdict {
  const n = Math.min(s.length, MAX_SCAN);
  if (n < 4) return NONE;
  // every rule needs a call, a template or an assignment
  if (s.indexOf('(') < 0 && s.indexOf('`') < 0 && s.indexOf('=') < 0) return NONE;
  let best = 0, why = '';
  if (jsStringBreakout(s) > 0) { best = 0.85; why = 'string breakout with a call'; }
  if (s.indexOf('$(') >= 0 || s.indexOf('jQuery(') >= 0) { if (jquerySelection(s, n)) { if (0.85 > best) { best = 0.85; why = 'jQuery selection with a method call'; } } }
  if (s.indexOf(';') >= 0 && s.indexOf('for') >= 0) { if (forHeader(s, n)) { if (0.85 > best) { best = 0.85; why = 'for (init; test; update) loop'; } } }
  if (s.indexOf('function') >= 0 && functionWithBody(s, n)) { if (0.85 > best) { best = 0.85; why = 'function (params) { definition'; } }
  // a call shape anywhere: ident( with no space, )( or a tagged template
  let calls = false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 40 && (isId(s.charCodeAt(i - 1)) || s.charCodeAt(i - 1) === 41)) { calls = true; break; }
  }
  let i = 0;
  let guard = 0;
  while (i < n && guard++ < 4096) {
    const c = s.charCodeAt(i);
    if (!isIdStart(c) || (i > 0 && isId(s.charCodeAt(i - 1)))) { i++; continue; }
    let j = i + 1;
    while (j < n && isId(s.charCodeAt(j))) j++;
    if (j - i < 3 || j - i > 14 || c >= 128 || FIRST[c] === 0) { i = j; continue; }
    const id = s.slice(i, j);
    if (!SINKS.has(id) && !GLOBALS.has(id)) { i = j; continue; }
    let p = i - 1; while (p >= 0 && isWs(s.charCodeAt(p))) p--;
    let q = j; while (q < n && isWs(s.charCodeAt(q))) q++;
    const prev = p >= 0 ? s.charCodeAt(p) : -1;
    const next = q < n ? s.charCodeAt(q) : -1;
    if (SINKS.has(id) && prev !== 46) {
      // tagged template: alert`1` (a stray backslash from a JS-string context included)
      let b = j; while (b < n && b - j < 4 && s.charCodeAt(b) === 92) b++;
      const bt = s.charCodeAt(b) === 96 && !afterOperand(s, p, i);
      if (bt && id !== 'print') { if (0.85 > best) { best = 0.85; why = `${id} tagged template`; } }
      // a sink as a value: (alert)(1) / a=alert,a(1) / [1].find(alert)
      const valuePos = prev === -1 || prev === 40 || prev === 44 || prev === 61 || prev === 91 || prev === 58 || prev === 63 || prev === 124 || prev === 38;
      const valueEnd = next === -1 || next === 41 || next === 44 || next === 59 || next === 93;
      if (valuePos && valueEnd && calls && id !== 'print' && !(prev === -1 && next === -1)) {
        const invoked = next === 41 && s.charCodeAt(q + 1) === 40;
        const conf = invoked ? 0.9 : 0.85;
        if (conf > best) { best = conf; why = `${id} used as a value`; }
      }
    } else if (GLOBALS.has(id) && prev !== 46) {
      // window.open( / navigator.vibrate( / document.cookie= / location.href=
      if (next === 46) {
        // the member chain: window.open / document.location.assign (up to three hops)
        let e = q, r = q, member = '';
        for (let hop = 0; hop < 3 && s.charCodeAt(r) === 46; hop++) {
          let k = r + 1; while (k < n && isWs(s.charCodeAt(k))) k++;
          e = k; while (e < n && isId(s.charCodeAt(e))) e++;
          if (e === k) break;
          member += (member ? '.' : '') + s.slice(k, e);
          r = e; while (r < n && isWs(s.charCodeAt(r))) r++;
        }
        const after = s.charCodeAt(r);
        if (member.length > 0 && after === 40) { if (0.85 > best) { best = 0.85; why = `${id}.…() call`; } }
        else if (member.length > 0 && after === 61 && s.charCodeAt(r + 1) !== 61 && assignedValue(s, r + 1, n)) { if (0.85 > best) { best = 0.85; why = `${id}.… assignment`; } }
        i = e; continue;
      }
      // location="…" / location=name+… : navigation by assignment, as a statement
      if (NAV_TARGETS.has(id) && next === 61 && s.charCodeAt(q + 1) !== 61 && (prev === -1 || prev === 59 || prev === 123 || prev === 44 || prev === 40) && assignedValue(s, q + 1, n)) {
        if (0.85 > best) { best = 0.85; why = `${id} assignment`; }
      }
    }
    i = j;
  }
  return { confidence: best, reason: best > 0 ? `js: ${why}` : '' };
}

/** JS keywords after which an expression starts (x`in alert`1`, return alert`1`). */
const EXPR_KEYWORDS = new Set(['in', 'of', 'instanceof', 'typeof', 'void', 'delete', 'new', 'return', 'yield', 'await', 'case', 'do', 'else', 'throw', 'extends']);

/**
 * The name at `i` follows another name on the same line with only blanks between ("`opa eval`", "run
 * alert`…"): two operands in a row are no JavaScript expression (no automatic semicolon without a line
 * break), so the name cannot be a tag there — unless the word before is a keyword that an expression follows.
 * `p` is the last non-blank before `i`.
 */
function afterOperand(s: string, p: number, i: number): boolean {
  if (p < 0 || !isId(s.charCodeAt(p))) return false;
  for (let k = p + 1; k < i; k++) { const c = s.charCodeAt(k); if (c === 10 || c === 13) return false; }
  let k = p;
  while (k >= 0 && p - k < 12 && isId(s.charCodeAt(k))) k--;
  return !EXPR_KEYWORDS.has(s.slice(k + 1, p + 1));
}

/** The right-hand side of an assignment is script: a quoted string, a template, or a name followed by an operator or call. */
function assignedValue(s: string, i: number, n: number): boolean {
  while (i < n && isWs(s.charCodeAt(i))) i++;
  const c = s.charCodeAt(i);
  if (c === 34 || c === 39 || c === 96) return true;
  if (!isIdStart(c)) return false;
  let j = i; while (j < n && isId(s.charCodeAt(j))) j++;
  const k = s.charCodeAt(j);
  return k === 40 || k === 46 || k === 43 || k === 91;
}

/** Skips whitespace from i. */
function ws(s: string, i: number, n: number): number { while (i < n && isWs(s.charCodeAt(i))) i++; return i; }

/** `$("a.x").click()`, `jQuery(document).on(…)`: a DOM selection by a quoted selector or a name, then a method call. */
function jquerySelection(s: string, n: number): boolean {
  for (let i = s.indexOf('('); i >= 0 && i < n; i = s.indexOf('(', i + 1)) {
    const start = s.charCodeAt(i - 1) === 36 ? i - 1 : s.startsWith('jQuery', i - 6) ? i - 6 : -1;
    if (start < 0 || (start > 0 && isId(s.charCodeAt(start - 1)))) continue;
    let k = ws(s, i + 1, n);
    const q = s.charCodeAt(k);
    if (q === 34 || q === 39 || q === 96) {
      const close = s.indexOf(String.fromCharCode(q), k + 1);
      if (close < 0 || close - k > 128) continue;
      k = close + 1;
    } else {
      const id = k;
      while (k < n && isId(s.charCodeAt(k))) k++;
      if (k === id) continue;
    }
    k = ws(s, k, n);
    if (s.charCodeAt(k) !== 41) continue;
    k = ws(s, k + 1, n);
    if (s.charCodeAt(k) !== 46) continue;
    k = ws(s, k + 1, n);
    const m = k;
    while (k < n && isId(s.charCodeAt(k))) k++;
    if (k - m >= 2 && s.charCodeAt(ws(s, k, n)) === 40) return true;
  }
  return false;
}

/** A C-family loop header: `for (i = 0; i < n; i++)` — an assignment (or nothing), a test, an update (`++`, `--`, `+=`, `-=`); or an assignment and a comparison test. */
function forHeader(s: string, n: number): boolean {
  for (let i = s.indexOf('for'); i >= 0 && i < n; i = s.indexOf('for', i + 3)) {
    if (i > 0 && isId(s.charCodeAt(i - 1))) continue;
    const open = ws(s, i + 3, n);
    if (s.charCodeAt(open) !== 40) continue;
    const close = s.indexOf(')', open);
    if (close < 0 || close - open > 96) continue;
    const head = s.slice(open + 1, close);
    const a = head.indexOf(';');
    const b = a < 0 ? -1 : head.indexOf(';', a + 1);
    if (b < 0 || head.indexOf(';', b + 1) >= 0) continue;
    const init = head.slice(0, a).trim(), update = head.slice(b + 1);
    if (init.length > 0 && init.indexOf('=') < 0) continue;
    if (init.length === 0 && head.trim() === ';;') return true; // for (;;)
    if (update.indexOf('++') >= 0 || update.indexOf('--') >= 0 || update.indexOf('+=') >= 0 || update.indexOf('-=') >= 0) return true;
    // an assignment then a comparison is the header too (a form-decoded `i++` arrives as `i  `)
    const test = head.slice(a + 1, b);
    if (init.length > 0 && (test.indexOf('<') >= 0 || test.indexOf('>') >= 0 || test.indexOf('!=') >= 0 || test.indexOf('==') >= 0)) return true;
  }
  return false;
}

/**
 * A function defined with its body opening: `function name(a, b) {`, `function(){`. Only script defines
 * one; prose says "the function (see below)" without the brace.
 */
function functionWithBody(s: string, n: number): boolean {
  let at = s.indexOf('function');
  let guard = 0;
  while (at >= 0 && at < n && guard++ < 16) {
    const before = at > 0 ? s.charCodeAt(at - 1) : 32;
    let k = at + 8;
    if (!isId(before)) {
      while (k < n && isWs(s.charCodeAt(k))) k++;
      if (s.charCodeAt(k) === 42) k++; // function* generator
      while (k < n && isWs(s.charCodeAt(k))) k++;
      while (k < n && isId(s.charCodeAt(k)) && k - at < 48) k++; // the name, if any
      while (k < n && isWs(s.charCodeAt(k))) k++;
      if (s.charCodeAt(k) === 40) {
        const close = s.indexOf(')', k);
        if (close > k && close - k <= 96) {
          // parameters: names (…rest, =default) separated by commas — two words with only a blank between is prose
          let ok = true;
          let gap = false, word = false;
          for (let m = k + 1; m < close && ok; m++) {
            const c = s.charCodeAt(m);
            if (isId(c) || c === 46) { if (gap && word) ok = false; word = true; gap = false; }
            else if (isWs(c)) gap = true;
            else if (c === 44 || c === 61) { word = false; gap = false; }
            else ok = false;
          }
          let b = close + 1;
          while (b < n && isWs(s.charCodeAt(b))) b++;
          if (ok && s.charCodeAt(b) === 123) return true;
        }
      }
    }
    at = s.indexOf('function', at + 8);
  }
  return false;
}
