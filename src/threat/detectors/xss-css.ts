/**
 * CSS injection: a style attribute or a stylesheet fragment written into a value. CSS runs script in old
 * engines (`expression()`, `behavior:`, `-moz-binding`), loads attacker resources (`url()`, `@import`,
 * `@font-face` sources — the basis of CSS data exfiltration), and its comments split words to hide them
 * from filters (`exp/**\/ression`, `!/**\/important`). All scans are indexOf/char-code loops: linear.
 */
import { isHtmlWs as isWs } from './chars.js';
export interface CssVerdict { confidence: number; reason: string }

const NONE: CssVerdict = { confidence: 0, reason: '' };

function isWordCh(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95; }

/** Whitespace removed (browsers drop tabs/newlines inside URL schemes: java\tscript:). */
export function compact(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    if (isWs(s.charCodeAt(i))) { out += s.slice(last, i); last = i + 1; }
  }
  return last === 0 ? s : out + s.slice(last);
}

/** Declarations that run script by themselves. */
function scriptInCss(c: string): boolean {
  return c.includes('expression(') || c.includes('javascript:') || c.includes('behavior:') || c.includes('-moz-binding') ||
    c.includes('behaviour:') || c.includes('vbscript:');
}

/** Risk of the value of a style="…" attribute (lower case). */
export function styleRisk(v: string): number {
  const c = compact(v);
  if (scriptInCss(c)) return 0.9;
  if (c.includes('url(') || c.includes('@import')) return 0.6;
  return 0;
}

const MAX_RULES = 32;
const MAX_BODY = 512;

/**
 * A stylesheet fragment in a value (lower case): a rule — a selector or at-rule, then `{ property: value }`
 * — whose declarations run script, fetch a URL, or carry a comment that splits a word; or an `@import` of
 * a URL. A bare `{word}` placeholder, a JSON object (quoted keys) or a JS block (`) {`, `= {`) is not a rule.
 */
export function cssRuleRisk(s: string): CssVerdict {
  let best = NONE;
  const imp = s.indexOf('@import');
  if (imp >= 0) {
    let k = imp + 7;
    while (k < s.length && isWs(s.charCodeAt(k))) k++;
    const q = s.charCodeAt(k);
    if (q === 34 || q === 39 || s.startsWith('url(', k)) best = { confidence: 0.85, reason: 'css @import of a URL' };
  }
  let open = s.indexOf('{');
  for (let n = 0; open >= 0 && n < MAX_RULES; n++) {
    const close = s.indexOf('}', open + 1);
    const end = close < 0 ? Math.min(s.length, open + 1 + MAX_BODY) : Math.min(close, open + 1 + MAX_BODY);
    if (selectorBefore(s, open) && declarationAt(s, open + 1, end)) {
      const body = s.slice(open + 1, end);
      const c = compact(body.indexOf('/*') >= 0 ? stripComments(body) : body);
      if (scriptInCss(c) && !namedArguments(body)) return { confidence: 0.9, reason: 'css rule with script' };
      if (c.includes('url(') && best.confidence < 0.85 && !namedArguments(body)) best = { confidence: 0.85, reason: 'css rule loading a URL' };
      else if (splitByComment(body) && best.confidence < 0.85) best = { confidence: 0.85, reason: 'css rule with comment-split words' };
    }
    if (close < 0) break;
    open = s.indexOf('{', close + 1);
  }
  return best;
}

/** What precedes `{` ends a selector or an at-rule prelude: a name, `*`, `]`, or a pseudo-class `)`. */
function selectorBefore(s: string, open: number): boolean {
  let p = open - 1;
  while (p >= 0 && isWs(s.charCodeAt(p))) p--;
  if (p < 0) return false;
  const c = s.charCodeAt(p);
  if (c === 42 || c === 93) return true; // * ]
  if (c === 41) { // ) — :not(…), :nth-child(…) but not a function's `) {`
    const o = s.lastIndexOf('(', p);
    return o > 0 && s.lastIndexOf(':', o) >= Math.max(0, o - 24) && s.charCodeAt(o - 1) !== 32;
  }
  if (!isWordCh(c)) return false;
  // the word must not be a template/placeholder opener ({{name}}, ${x}) or a code keyword
  let k = p;
  while (k >= 0 && isWordCh(s.charCodeAt(k))) k--;
  const word = s.slice(k + 1, p + 1);
  return !CODE_WORDS.has(word);
}
const CODE_WORDS = new Set(['else', 'try', 'finally', 'do', 'return', 'then', 'in', 'of']);

/** The block opens with `property:` (a CSS name, unquoted). */
function declarationAt(s: string, i: number, end: number): boolean {
  while (i < end && isWs(s.charCodeAt(i))) i++;
  const start = i;
  while (i < end && isWordCh(s.charCodeAt(i))) i++;
  if (i === start || i - start > 40) return false;
  while (i < end && isWs(s.charCodeAt(i))) i++;
  return s.charCodeAt(i) === 58 && s.charCodeAt(i + 1) !== 58; // property: (not a C++/Ruby ::)
}

/**
 * The block's `url(` / `expression(` takes named arguments (`url(transform: {…})`, `url(size: 2)`): a GraphQL
 * selection with an aliased field, not CSS — a CSS url() holds a URL (`https:/`, `data:image/…`, a path).
 */
function namedArguments(body: string): boolean {
  for (const fn of ['url(', 'expression(']) {
    const at = body.indexOf(fn);
    if (at < 0) continue;
    let k = at + fn.length;
    while (k < body.length && isWs(body.charCodeAt(k))) k++;
    const id = k;
    while (k < body.length && isWordCh(body.charCodeAt(k))) k++;
    if (k === id) continue;
    while (k < body.length && isWs(body.charCodeAt(k))) k++;
    if (body.charCodeAt(k) !== 58) continue;
    const v = body.charCodeAt(k + 1);
    if (isWs(v) || v === 123 || v === 36 || v === 34 || (v >= 48 && v <= 57)) return true; // name: value, name:{, name:$var, name:"…", name:1
  }
  return false;
}

/** The text without its comments (exp/**\/ression( reads as expression( to the CSS parser). */
function stripComments(s: string): string {
  let out = '';
  let i = 0;
  for (let o = s.indexOf('/*'); o >= 0; o = s.indexOf('/*', i)) {
    const e = s.indexOf('*/', o + 2);
    out += s.slice(i, o);
    i = e < 0 ? s.length : e + 2;
    if (e < 0) break;
  }
  return out + s.slice(i);
}

/** A comment glued inside a word or between `!` and `important`: gre/**\/en, !/**\/important. */
function splitByComment(body: string): boolean {
  for (let i = body.indexOf('/*'); i > 0; i = body.indexOf('/*', i + 2)) {
    const e = body.indexOf('*/', i + 2);
    if (e < 0) return false;
    const before = body.charCodeAt(i - 1);
    const after = body.charCodeAt(e + 2);
    if ((isWordCh(before) || before === 33) && isWordCh(after)) return true;
    i = e;
  }
  return false;
}
