import {
  ACTIVE_PREFIXES, ACTIVE_TAGS, attributeLabel, DOM_PROPERTIES, EVENT_NAMES, JS_SINKS, PASSIVE_TAGS, RAW_TEXT_TAGS, SCRIPT_ATTRIBUTES,
  SCRIPT_SCHEMES, tagLabel, URL_ATTRIBUTES,
} from './xss-lexicon.js';
import { compact, cssRuleRisk, styleRisk } from './xss-css.js';
import { cssScriptUrl } from './xss-css-url.js';
import { schemeByReferences } from './xss-scheme-refs.js';
import { commentBreakout, dtdFragment, encodedBreakout, namespaceInjection, utf7Angle } from './xss-fragments.js';
import { isHtmlWs as isWs } from './chars.js';
import { xmlExternalReference } from './xss-xml.js';
import { commentSplitMember, jsfuck, templateCallGadget } from './xss-js-obfuscation.js';

export interface XssVerdict {
  confidence: number;
  reason: string;
  /** The strongest evidence is an HTML element without script (markup injection only). */
  markupOnly?: boolean;
}

/** Elements that are markup but rarely dangerous without attributes. */
const INTERACTIVE = new Set(['input', 'button', 'select', 'option', 'video', 'audio', 'source', 'track', 'details', 'image', 'x', 'set', 'use', 'canvas', 'picture', 'dialog', 'param', 'keygen', 'discard', 'feimage', 'marquee', 'blink', 'animate', 'animatetransform', 'animatemotion', 'xmlns']);

const MAX_ATTRS = 64;
/**
 * An element of the HTML vocabulary written into a value: markup injection. Plain-text API fields never
 * carry it; routes that accept rich text lower this with `xss.markup: allow`.
 */
export const MARKUP = 0.85;
/** Inline text formatting: no URL, no layout, no script — markup, but inert. */
const INERT_TAGS = new Set(['b', 'i', 'u', 's', 'em', 'strong', 'kbd', 'code', 'sub', 'sup', 'br', 'wbr', 'small', 'mark', 'del', 'ins', 'abbr', 'q', 'cite', 'dfn', 'var', 'samp', 'tt', 'strike', 'big', 'bdi', 'bdo', 'span', 'hr', 'p']);
const INERT = 0.6;
/** Attributes that run or render content by themselves (srcdoc, IE data binding, SMIL attribute swaps). */
const STRONG_ATTRIBUTES = new Set(['srcdoc', 'fscommand', 'seeksegmenttime', 'attributename', 'dataformatas', 'datasrc', 'datafld']);
/** Sinks that fetch or navigate rather than run code: weaker evidence on their own. */
const WEAK_SINKS = new Set(['fetch', 'open', 'print', 'import', 'postmessage', 'unescape', 'decodeuricomponent', 'escape', 'xmlhttprequest', 'showmodaldialog']);
/** Sinks whose call at the very start of a value is code, not prose. */
const STRONG_SINKS = new Set(['alert', 'prompt', 'confirm', 'eval', 'settimeout', 'setinterval', 'execscript', 'msgbox', 'fromcharcode', 'atob', 'globaleval']);
const MAX_NAME = 64;
/** Sinks that do nothing when called with no argument: write(), writeln(), constructor(), fromCharCode(). */
const EMPTY_INERT = new Set(['write', 'writeln', 'constructor', 'fromcharcode']);

function isAlpha(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90); }
function isIdent(c: number): boolean { return isAlpha(c) || (c >= 48 && c <= 57) || c === 95 || c === 36; }

/** Names a `{{…}}` template-injection gadget reaches (Angular sandbox escapes, prototype access, alert probes). */
const TEMPLATE_GADGETS = ['constructor', '$eval', '$on', 'alert', '__proto__', '$emit'];

/**
 * `name` as a whole identifier in `s`: not continued by an identifier character (`alerts` in a Hugo
 * shortcode's path `{{< docsref "/components/alerts" >}}`, `$one` are other names).
 */
function hasName(s: string, name: string): boolean {
  for (let at = s.indexOf(name); at >= 0; at = s.indexOf(name, at + 1)) if (!isIdent(s.charCodeAt(at + name.length))) return true;
  return false;
}

/** Remove characters browsers ignore inside markup and URLs: C0 controls (not whitespace), zero-width. */
function stripInvisible(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const drop = (c < 32 && !isWs(c)) || c === 0x7f || (c >= 0x200b && c <= 0x200d) || c === 0xfeff || c === 0xad;
    if (drop) { out += s.slice(last, i); last = i + 1; }
  }
  return last === 0 ? s : out + s.slice(last);
}

/** Confidence that a URL-ish value runs script: javascript:, vbscript:, data:text/html … */
function schemeRisk(valueLower: string): number {
  const v = compact(valueLower);
  for (const sch of SCRIPT_SCHEMES) {
    const at = v.indexOf(sch);
    if (at < 0) continue;
    const rest = v.slice(at + sch.length, at + sch.length + 48);
    // a backslash right after the scheme: a JS escape sequence spelling the code (javascript:\u0061lert)
    const codeLike = /[(`=[{/;]/.test(rest) || rest.charCodeAt(0) === 92;
    if (codeLike) return 0.95;
    return at === 0 ? 0.6 : 0.5;
  }
  const d = v.indexOf('data:');
  if (d >= 0) {
    const mime = v.slice(d + 5, d + 40);
    if (mime.startsWith('text/html') || mime.startsWith('image/svg') || mime.startsWith('text/xml') || mime.startsWith('application/xhtml') ||
        mime.startsWith('text/javascript') || mime.startsWith('application/javascript') || mime.startsWith('application/x-javascript') ||
        mime.startsWith('application/x-shockwave') || mime.startsWith(',') || mime.startsWith(';base64') || mime.startsWith('text/plain;base64')) return d === 0 ? 0.9 : 0.8;
  }
  return 0;
}

interface Acc { best: number; why: string; markupOnly?: boolean; lastClose?: number }

/** Keeps the strongest evidence; at equal confidence, script or breakout evidence wins over markup alone. */
function take(acc: Acc, c: number, why: string, markup = why.startsWith('tag ')): void {
  if (c > acc.best || (c === acc.best && acc.markupOnly === true && !markup)) { acc.best = c; acc.why = why; acc.markupOnly = markup; }
}

/** Where the last comment close (`-->`, `--!>`) is: a `<!--` after it is never closed. Searched once per value. */
function lastCommentClose(s: string, acc: Acc): number {
  if (acc.lastClose === undefined) acc.lastClose = Math.max(s.lastIndexOf('-->'), s.lastIndexOf('--!>'));
  return acc.lastClose;
}

/** Parse the tag opening at `i` (s[i] === '<'); returns the index after it. */
function scanTag(s: string, i: number, acc: Acc): number {
  const n = s.length;
  let j = i + 1;
  const c1 = s.charCodeAt(j);
  if (c1 === 33 /* ! */) {
    const head = s.slice(j + 1, j + 12);
    if (head.startsWith('--')) {
      const close = s.indexOf('>', j);
      const body = s.slice(j + 3, close < 0 ? Math.min(n, j + 200) : Math.min(close, j + 200));
      if (body.trimStart().startsWith('[if') || body.startsWith('#exec') || body.startsWith('#include')) take(acc, 0.85, 'conditional comment');
      // a comment opener never closed hides the rest of the page (dangling markup): markup injection
      else if (lastCommentClose(s, acc) < j + 3 && s.charCodeAt(j + 3) !== 62 && !s.startsWith('->', j + 3)) take(acc, MARKUP, 'unclosed comment opener', true);
      else take(acc, 0.3, 'html comment');
      return j + 1;
    }
    if (head.startsWith('[cdata[')) { take(acc, 0.6, 'cdata'); return j + 1; }
    // downlevel-revealed conditional comments: <![if !ie]> … <![endif]>
    if (head.startsWith('[if') || head.startsWith('[endif')) { take(acc, 0.85, 'conditional comment'); return j + 1; }
    if (head.startsWith('doctype') || head.startsWith('entity') || head.startsWith('attlist') || head.startsWith('element')) {
      take(acc, 0.85, 'markup declaration');
      return j + 1;
    }
    return j + 1;
  }
  if (c1 === 63 /* ? */) {
    const head = s.slice(j + 1, j + 24);
    if (head.startsWith('xml') || head.startsWith('import')) take(acc, 0.8, 'processing instruction');
    else if (/^(?:php\b|=|\s+[a-z_]+\s*\()/.test(head)) take(acc, 0.85, 'server-side script tag');
    return j + 1;
  }
  let closing = false;
  if (c1 === 47 /* / */) { closing = true; j++; }
  if (!isAlpha(s.charCodeAt(j))) return i + 1;
  const nameStart = j;
  while (j < n && j - nameStart < MAX_NAME) {
    const c = s.charCodeAt(j);
    if (isWs(c) || c === 47 || c === 62 || c === 60) break;
    j++;
  }
  const name = s.slice(nameStart, j);
  if (closing) {
    if (RAW_TEXT_TAGS.has(name)) take(acc, 0.85, `closing ${name} breaks out of raw text`);
    else if (INERT_TAGS.has(name)) take(acc, INERT - 0.1, `tag /${name}`);
    else if (ACTIVE_TAGS.has(name) || PASSIVE_TAGS.has(name) || (name.indexOf(':') > 0 && ACTIVE_PREFIXES.has(name.slice(0, name.indexOf(':'))))) take(acc, MARKUP, `tag /${tagLabel(name)}`);
    else take(acc, 0.3, 'closing tag');
    const gt = s.indexOf('>', j);
    return gt < 0 ? n : gt + 1;
  }
  const colon = name.indexOf(':');
  const prefixed = colon > 0 && ACTIVE_PREFIXES.has(name.slice(0, colon)) && isAlpha(name.charCodeAt(colon + 1));
  let tagConf = ACTIVE_TAGS.has(name) ? (INTERACTIVE.has(name) ? 0.85 : 0.9) : INERT_TAGS.has(name) ? INERT : PASSIVE_TAGS.has(name) || prefixed ? MARKUP : 0.25;
  // details name tags and attributes by the lexicon's words only: they never echo the value
  const label = tagLabel(name);
  let why = label === 'unknown tag' ? label : `tag ${label}`;
  let markup = true;
  let attrs = 0;
  while (j < n && attrs < MAX_ATTRS) {
    let c = s.charCodeAt(j);
    while (j < n && (isWs(c) || c === 47)) c = s.charCodeAt(++j);
    if (j >= n || c === 62 /* > */) { j++; break; }
    if (c === 60 /* < */) break;
    const an = j;
    j++;
    while (j < n) {
      c = s.charCodeAt(j);
      if (isWs(c) || c === 47 || c === 62 || c === 61) break;
      j++;
    }
    const attr = s.slice(an, Math.min(j, an + MAX_NAME));
    attrs++;
    while (j < n && isWs(s.charCodeAt(j))) j++;
    let value = '';
    let hasValue = false;
    if (s.charCodeAt(j) === 61 /* = */) {
      hasValue = true;
      j++;
      while (j < n && isWs(s.charCodeAt(j))) j++;
      const q = s.charCodeAt(j);
      if (q === 34 || q === 39 || q === 96) {
        const close = s.indexOf(String.fromCharCode(q), j + 1);
        value = s.slice(j + 1, close < 0 ? n : close);
        j = close < 0 ? n : close + 1;
      } else {
        const vs = j;
        while (j < n && !isWs(s.charCodeAt(j)) && s.charCodeAt(j) !== 62) j++;
        value = s.slice(vs, j);
      }
    }
    if (attr.length > 2 && attr.charCodeAt(0) === 111 && attr.charCodeAt(1) === 110 && isAlpha(attr.charCodeAt(2))) {
      tagConf = Math.max(tagConf, 0.95); markup = false;
      why = EVENT_NAMES.has(attr.slice(2)) ? `${label} with event handler ${attr}` : `${label} with an unknown event handler`;
    } else if (URL_ATTRIBUTES.has(attr) || attr.endsWith(':href')) {
      const r = schemeRisk(value);
      if (r > 0) { tagConf = Math.max(tagConf, Math.max(r, 0.85)); why = `${label} ${attributeLabel(attr)} with a script URL`; markup = false; }
      else if (name === 'img' || name === 'image' || name === 'iframe' || name === 'embed') tagConf = Math.max(tagConf, 0.5);
    } else if (attr === 'style') {
      const r = styleRisk(value);
      if (r > 0) { tagConf = Math.max(tagConf, r); why = `${label} style with script`; markup = false; }
    } else if (SCRIPT_ATTRIBUTES.has(attr)) {
      tagConf = Math.max(tagConf, STRONG_ATTRIBUTES.has(attr) ? 0.9 : Math.min(0.9, tagConf + 0.1));
      why = `${label} attribute ${attr}`; markup = false;
    } else if (hasValue && tagConf < 0.45) tagConf = Math.min(0.45, tagConf + 0.1);
    if (attr.indexOf(':') > 0 || name.indexOf(':') > 0) {
      const x = xmlExternalReference(name, attr, value);
      if (x > 0 && x >= tagConf) { tagConf = x; why = 'XML reference to an external resource'; markup = false; }
    }
    if (hasValue && schemeRisk(value) >= 0.9) { tagConf = Math.max(tagConf, 0.9); why = `${label} ${attributeLabel(attr)} with a script URL`; markup = false; }
  }
  take(acc, tagConf, why, markup);
  return j;
}

/** `" onmouseover=…` written into an attribute without a tag of its own. */
function scanHandlers(s: string, acc: Acc): void {
  let eq = s.indexOf('=');
  let guard = 0;
  while (eq >= 0 && guard++ < 256) {
    let k = eq - 1;
    while (k >= 0 && isWs(s.charCodeAt(k))) k--;
    const end = k + 1;
    while (k >= 0 && isAlpha(s.charCodeAt(k)) && end - k <= 32) k--;
    const start = k + 1;
    if (end - start > 3 && s.charCodeAt(start) === 111 && s.charCodeAt(start + 1) === 110) {
      const ev = s.slice(start + 2, end);
      const before = k >= 0 ? s.charCodeAt(k) : 32;
      const sep = isWs(before) || before === 47 || before === 34 || before === 39 || before === 96 || before === 59;
      if (EVENT_NAMES.has(ev) && sep) {
        let quoteBefore = false;
        for (let q = k; q >= 0 && q > k - 64; q--) { const c = s.charCodeAt(q); if (c === 34 || c === 39 || c === 96) { quoteBefore = true; break; } }
        take(acc, quoteBefore || k < 0 ? 0.9 : 0.8, `on${ev}= outside a tag`);
      }
    }
    eq = s.indexOf('=', eq + 1);
  }
}

/**
 * alert(1), eval`…`, String.fromCharCode(…) — and whether something broke out of a string before it.
 * `cased`: the value before lower-casing (same length), where JavaScript's case matters: `function` is a
 * reserved word and never a tag ("`function` - the callback" is a markdown code span), `Function` is the
 * constructor and is one (Function`alert\x281\x29```).
 */
function scanSinks(s: string, acc: Acc, cased?: string): void {
  const n = s.length;
  let guard = 0;
  for (let i = 0; i < n && guard < 256; i++) {
    const c = s.charCodeAt(i);
    if (c !== 40 && c !== 96) continue;
    guard++;
    let k = i - 1;
    while (k >= 0 && isWs(s.charCodeAt(k)) && i - k < 4) k--;
    const end = k + 1;
    while (k >= 0 && isIdent(s.charCodeAt(k)) && end - k <= 24) k--;
    const id = s.slice(k + 1, end);
    if (id.length < 3 || !JS_SINKS.has(id)) continue;
    if (c === 96 && end !== i) continue;
    if (c === 96 && cased !== undefined && cased.startsWith('function', k + 1)) continue;
    // what precedes the call: a member access, a statement break, a quote …
    let p = k;
    while (p >= 0 && isWs(s.charCodeAt(p))) p--;
    const prev = p >= 0 ? s.charCodeAt(p) : -1;
    // a name glued to a backtick on its left (`write`): text of the template that backtick opens, or, after
    // one it closes, a syntax error — never a tag (a markdown code span naming the function)
    if (c === 96 && prev === 96 && p === k) continue;
    let quote = false;
    for (let q = p; q >= 0 && q > p - 256; q--) { const ch = s.charCodeAt(q); if (ch === 34 || ch === 39 || ch === 96) { quote = true; break; } }
    const breakChars = prev === 59 || prev === 43 || prev === 45 || prev === 42 || prev === 124 || prev === 38 || prev === 61 ||
      prev === 40 || prev === 44 || prev === 123 || prev === 125 || prev === 58 || prev === 63 || prev === 33 || prev === 62 || prev === 34 || prev === 39 || prev === 96 || prev === 91;
    const member = prev === 46; // .fromCharCode( / window.alert(
    const argEnd = s.indexOf(')', i);
    const args = argEnd > i ? s.slice(i + 1, Math.min(argEnd, i + 64)) : '';
    const codeArgs = /^\s*(?:[0-9]|document|window|this|location|string|atob|top|self|parent|[`'"(/])/.test(args) || c === 96;
    let conf = 0.5;
    if ((breakChars && quote) || (member && (id === 'fromcharcode' || id === 'constructor' || id === 'write' || id === 'writeln'))) conf = 0.9;
    else if (breakChars || member) conf = codeArgs ? 0.85 : 0.6;
    else if (p < 0 && STRONG_SINKS.has(id) && (codeArgs || (argEnd > i && /^\)\s*(?:;|\/\/|>|$)/.test(s.slice(argEnd, argEnd + 4))))) conf = 0.8;
    else if (p < 0 && codeArgs) conf = 0.7;
    if (WEAK_SINKS.has(id)) conf = Math.min(conf, 0.6);
    // `Buffer.write()`, `constructor()` named in docs: with nothing between the parentheses they write, build or
    // decode nothing (an empty alert() still shows a dialog, so only these)
    if (c === 40 && EMPTY_INERT.has(id) && argEnd > i && s.slice(i + 1, argEnd).trim() === '') conf = Math.min(conf, 0.5);
    take(acc, conf, `${id}()`);
  }
}

/**
 * XSS confidence for one decoded value. Reads it the way an HTML tokenizer would (tags, attributes,
 * event handlers, script URLs, raw-text breakouts, markup declarations) and the way a script parser would
 * (a quote or statement break followed by a sink call, DOM properties, template expressions); then the
 * context breakouts and evasion encodings of xss-fragments.ts and the stylesheet rules of xss-css.ts.
 */
const GLOBALS = ['top[', 'window[', 'self[', 'parent[', 'this[', 'frames[', 'globalthis[', 'document[', 'content['];

/** Only HTML metacharacters, arrived encoded: a scanner checking what the application decodes. */
function encodedProbe(text: string, raw: string): boolean {
  if (raw === text) return false;
  const t = text.trim();
  if (t.length === 0 || t.length > 4) return false;
  for (let i = 0; i < t.length; i++) { const c = t.charCodeAt(i); if (c !== 60 && c !== 62 && c !== 34 && c !== 39) return false; }
  return true;
}

/**
 * US-ASCII 7-bit trick: Latin-1 characters whose low 7 bits spell markup (¼script¾ is <script>). A
 * character that arrived as its two UTF-8 bytes read one by one (`\xc2\xbc` decoded to "Â¼") is that
 * character: the lead byte 0xC2/0xC3 and its continuation byte are one Latin-1 character.
 */
function stripHighBit(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if ((c === 0xc2 || c === 0xc3) && next >= 0x80 && next <= 0xbf) { c = c === 0xc2 ? next : next + 0x40; i++; }
    out += c >= 0xa0 && c <= 0xff ? String.fromCharCode(c & 0x7f) : String.fromCharCode(c);
  }
  return out;
}

export function detectXss(input: string, raw: string = input): XssVerdict {
  if (encodedProbe(input, raw)) return { confidence: 0.8, reason: 'encoded metacharacter probe' };
  if (input.indexOf('\u00bc') >= 0 && input.indexOf('\u00be') >= 0) {
    const v = detectXss(stripHighBit(input));
    if (v.confidence > 0) return { confidence: v.confidence, reason: `7-bit ${v.reason}` };
  }
  if (input.length < 3) return { confidence: 0, reason: '' };
  const visible = stripInvisible(input);
  const lower = visible.toLowerCase();
  const acc: Acc = { best: 0, why: '' };
  const hasLt = lower.indexOf('<') >= 0;
  const hasColon = lower.indexOf(':') >= 0;
  const hasParen = lower.indexOf('(') >= 0 || lower.indexOf('`') >= 0;
  const hasEq = lower.indexOf('=') >= 0;
  const hasBrace = lower.indexOf('{') >= 0;
  const hasGt = lower.indexOf('>') >= 0;
  const hasComment = lower.indexOf('/*') >= 0;
  if (!hasLt && !hasColon && !hasParen && !hasEq && !hasBrace && !hasGt && !hasComment) return { confidence: 0, reason: '' };
  if (hasLt) {
    let i = lower.indexOf('<');
    let guard = 0;
    while (i >= 0 && guard++ < 512) {
      const next = scanTag(lower, i, acc);
      i = lower.indexOf('<', Math.max(next, i + 1));
    }
    // markup whose '<' arrived as UTF-7 (+ADw-): an evasion encoding, whatever element it spells
    if (acc.best > 0 && acc.best < 0.85 && raw !== input && raw.indexOf('<') < 0 && utf7Angle(raw)) take(acc, 0.85, `UTF-7 encoded ${acc.why}`, false);
  }
  if (hasGt) {
    const b = encodedBreakout(input, raw);
    if (b.confidence > 0) take(acc, b.confidence, b.reason);
    if (lower.indexOf('--') >= 0) { const c = commentBreakout(lower); if (c.confidence > 0) take(acc, c.confidence, c.reason); }
    if (lower.indexOf('#') >= 0) { const d = dtdFragment(lower); if (d.confidence > 0) take(acc, d.confidence, d.reason); }
  }
  if (hasEq && lower.indexOf('xmlns') >= 0) { const x = namespaceInjection(lower); if (x.confidence > 0) take(acc, x.confidence, x.reason); }
  if (hasBrace || (hasParen && lower.indexOf('@import') >= 0)) { const c = cssRuleRisk(lower); if (c.confidence > 0) take(acc, c.confidence, c.reason); }
  if (hasColon) {
    const r = schemeRisk(lower);
    if (r > 0) take(acc, r, 'script url');
    if (r > 0 && r < 0.85 && raw !== input) { const e = schemeByReferences(raw); if (e.confidence > 0) take(acc, e.confidence, e.reason); }
    if (lower.indexOf('expression(') >= 0 || lower.indexOf('-moz-binding') >= 0 || lower.indexOf('behavior:url(') >= 0) take(acc, 0.75, 'css expression');
    if (hasParen && lower.indexOf('url(') >= 0) { const u = cssScriptUrl(lower); if (u.confidence > 0) take(acc, u.confidence, u.reason); }
  }
  if (hasEq) scanHandlers(lower, acc);
  if (hasParen) scanSinks(lower, acc, visible.length === lower.length ? visible : undefined);
  if (hasComment) { const m = commentSplitMember(lower); if (m.confidence > 0) take(acc, m.confidence, m.reason); }
  if (hasParen) {
    const t = templateCallGadget(input);
    if (t.confidence > 0) take(acc, t.confidence, t.reason);
    const f = jsfuck(lower);
    if (f.confidence > 0) take(acc, f.confidence, f.reason);
  }
  if (lower.indexOf('[') >= 0) {
    for (const g of GLOBALS) {
      const at = lower.indexOf(g);
      if (at >= 0 && (at === 0 || !isIdent(lower.charCodeAt(at - 1)))) {
        const call = lower.indexOf('](', at);
        take(acc, call > at && call - at < 64 ? 0.9 : 0.6, `${g}…]`);
        break;
      }
    }
  }
  if (hasBrace) {
    const t = lower.indexOf('{{');
    if (t >= 0) {
      const close = lower.indexOf('}}', t);
      const expr = lower.slice(t, close < 0 ? Math.min(lower.length, t + 256) : close);
      if (TEMPLATE_GADGETS.some((g) => hasName(expr, g))) take(acc, 0.85, 'template expression');
    }
  }
  if (acc.best >= 0.5 && acc.best < 0.9 && hasParen) {
    for (const prop of DOM_PROPERTIES) if (lower.includes(prop)) { take(acc, Math.min(0.95, acc.best + 0.2), `DOM access ${prop} with ${acc.why}`); break; }
  }
  return { confidence: acc.best, reason: acc.why, markupOnly: acc.markupOnly === true };
}
