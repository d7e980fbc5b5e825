import { take, type Acc } from './cmdi-verdict.js';
import { isDigit, isCodeWs as isWs } from './chars.js';

/**
 * Server-side template injection (filed with command injection: a template engine that evaluates input
 * runs code). Read on the lower-cased decoded value.
 */

const TEMPLATE_OPENERS: Array<[string, string]> = [['{{', '}}'], ['{%', '%}'], ['${', '}'], ['#{', '}'], ['<%=', '%>'], ['<%', '%>'], ['*{', '}'], ['@{', '}']];
const TEMPLATE_DANGER = ['__class__', '__mro__', '__subclasses__', '__globals__', '__builtins__', '__import__', '__init__',
  'getruntime', 'java.lang', 'processbuilder', 'freemarker', 'new()', '.exec(', 'popen', 'subprocess', 'os.system', 'system(',
  'lipsum', 'cycler', 'joiner', 'config.items', 'request.application', 'self._', 'get_user_file', 'phpinfo', '@print', 'sleep(',
  'passthru', 'shell_exec', 'file_get_contents', 'readfile', 'include'];

/**
 * Tags of Jinja/Twig/Django/Liquid/Nunjucks that evaluate something and open a block closed by
 * `{% end<tag> %}` (loops, conditions, macros, captures); layout tags (block, raw, verbatim) evaluate nothing.
 */
const BLOCK_TAGS = new Set(['for', 'if', 'unless', 'while', 'macro', 'call', 'filter', 'with', 'set', 'capture', 'case', 'tablerow', 'apply']);



/**
 * A template body that is arithmetic on literals only: `7*7`, `7*'7'`, ` 4 + 4 `, `{7*7` (of `${{7*7}}`).
 * Operators are `*`, `**` and `+`; blanks alone between two numbers also count, since a `+` written raw into
 * a query string or form body arrives as a space (`{{4+4}}` → `{{4 4}}`) and no template has a meaning for
 * two bare numbers side by side. Needs at least two operands; nothing else may appear.
 */
export function literalArithmetic(body: string): boolean {
  const n = body.length;
  let i = 0;
  if (body.charCodeAt(0) === 123 /* { */) i++; // ${{…}}
  let operands = 0;
  let gap = true; // an operator (or the blanks standing for one) precedes the next operand
  while (i < n) {
    const c = body.charCodeAt(i);
    if (isWs(c)) { i++; continue; }
    if (isDigit(c) || c === 39 || c === 34) {
      if (!gap) return false;
      const q = c === 39 || c === 34 ? c : 0;
      if (q) i++;
      const start = i;
      while (i < n && isDigit(body.charCodeAt(i))) i++;
      if (i === start || i - start > 12) return false;
      if (q) { if (body.charCodeAt(i) !== q) return false; i++; }
      operands++;
      // blanks then another operand: the '+' a form body turned into a space
      let k = i;
      while (k < n && isWs(body.charCodeAt(k))) k++;
      gap = k > i && k < n && isDigit(body.charCodeAt(k));
      continue;
    }
    if (c === 42 || c === 43) {
      if (operands === 0 || gap) return false;
      i++;
      if (c === 42 && body.charCodeAt(i) === 42) i++;
      gap = true;
      continue;
    }
    return false;
  }
  return operands >= 2 && !gap;
}

/** `{% for … %} … {% endfor %}`: a block tag and its closing tag. */
function controlBlock(s: string): string | undefined {
  let guard = 0;
  for (let at = s.indexOf('{%'); at >= 0 && guard < 16; at = s.indexOf('{%', at + 2), guard++) {
    let i = at + 2;
    const m = s.charCodeAt(i);
    if (m === 45 || m === 43 || m === 126) i++; // {%- {%+ {%~
    while (i < s.length && isWs(s.charCodeAt(i))) i++;
    const start = i;
    while (i < s.length && s.charCodeAt(i) >= 97 && s.charCodeAt(i) <= 122 && i - start < 12) i++;
    const tag = s.slice(start, i);
    if (!BLOCK_TAGS.has(tag) || (!isWs(s.charCodeAt(i)) && s.charCodeAt(i) !== 37 && s.charCodeAt(i) !== 45)) continue;
    const close = s.indexOf('%}', i);
    if (close < 0) return undefined;
    // the closing tag: {% endfor %}, {%- endfor -%}
    const end = s.indexOf(`end${tag}`, close + 2);
    if (end < 0) continue;
    let p = end - 1;
    while (p > close && isWs(s.charCodeAt(p))) p--;
    if (s.charCodeAt(p) === 45 || s.charCodeAt(p) === 43 || s.charCodeAt(p) === 126) p--;
    if (s.charCodeAt(p) === 37 && s.charCodeAt(p - 1) === 123 && s.indexOf('%}', end) > end) return tag;
  }
  return undefined;
}

/**
 * Template expressions that reach code ({{ ''.__class__ }}, ${T(java.lang.Runtime)}, {${phpinfo()}}),
 * evaluation probes (arithmetic on literals: {{7*7}}, ${7*'7'}, <%= 7*7 %>, #{7*7}) and control blocks
 * ({% for x in y %}…{% endfor %}). Plain placeholders ({{first_name}}, ${customer}) are none of these.
 */
export function templates(s: string, acc: Acc): void {
  for (const [open, close] of TEMPLATE_OPENERS) {
    const at = s.indexOf(open);
    if (at < 0) continue;
    const end = s.indexOf(close, at + open.length);
    const body = s.slice(at + open.length, end < 0 ? Math.min(s.length, at + 512) : Math.min(end, at + 512));
    if (TEMPLATE_DANGER.some((d) => body.includes(d))) { take(acc, 0.9, `template expression ${open}…${close}`); return; }
    // whitespace inside names is dropped by no template engine, but it slips past filters: .__ class __.
    const packed = body.replace(/\s+/g, '');
    if (packed.length !== body.length && TEMPLATE_DANGER.some((d) => d.startsWith('__') && packed.includes(d))) { take(acc, 0.85, `space-split template expression ${open}…${close}`); return; }
    if (open === '${' && /^\s*@?[a-z_][a-z0-9_]*\s*\(/.test(body)) { take(acc, 0.9, 'interpolated call ${…(…)}'); return; }
    if (/^\s*\{?\$\{?[a-z_]+\(/.test(body)) { take(acc, 0.9, 'interpolated call'); return; }
    if (end >= 0 && literalArithmetic(body)) take(acc, 0.8, `template arithmetic probe ${open}…${close}`);
    if (open === '{%') {
      const tag = controlBlock(s);
      if (tag !== undefined) take(acc, 0.8, `template control block {% ${tag} %}…{% end${tag} %}`);
    }
  }
}
