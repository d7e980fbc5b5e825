/**
 * HTML character references, decoded the way a browser's tokenizer does inside text and attribute values:
 * numeric (`&#60;`, `&#x3C;`, leading zeros, semicolon optional) and the named references that spell
 * ASCII punctuation (`&lt;`, `&colon;`, `&lpar;` …), which is what XSS filter evasion uses. Linear.
 */

const NAMED: Record<string, string> = {
  tab: '\t', newline: '\n', excl: '!', quot: '"', num: '#', dollar: '$', percnt: '%', amp: '&', apos: "'",
  lpar: '(', rpar: ')', ast: '*', midast: '*', plus: '+', comma: ',', period: '.', sol: '/', colon: ':',
  semi: ';', lt: '<', equals: '=', gt: '>', quest: '?', commat: '@', lsqb: '[', lbrack: '[', bsol: '\\',
  rsqb: ']', rbrack: ']', hat: '^', lowbar: '_', underbar: '_', grave: '`', diacriticalgrave: '`',
  lcub: '{', lbrace: '{', verbar: '|', vert: '|', verticalline: '|', rcub: '}', rbrace: '}', nbsp: '\u00a0',
};
/** Legacy names a browser also accepts without the semicolon. */
const NO_SEMI = new Set(['lt', 'gt', 'amp', 'quot', 'nbsp']);
const MAX_NAME = 16;

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export interface EntityResult { text: string; decoded: number }

export function decodeEntities(s: string): EntityResult {
  let amp = s.indexOf('&');
  if (amp < 0) return { text: s, decoded: 0 };
  const out: string[] = [];
  let last = 0;
  let decoded = 0;
  const n = s.length;
  while (amp >= 0) {
    let i = amp + 1;
    let value: string | undefined;
    if (s.charCodeAt(i) === 35 /* # */) {
      i++;
      const hex = s.charCodeAt(i) === 120 || s.charCodeAt(i) === 88;
      if (hex) i++;
      const start = i;
      let cp = 0;
      while (i < n && i - start < 10) {
        const c = s.charCodeAt(i);
        let d = -1;
        if (c >= 48 && c <= 57) d = c - 48;
        else if (hex && c >= 97 && c <= 102) d = c - 87;
        else if (hex && c >= 65 && c <= 70) d = c - 55;
        if (d < 0) break;
        cp = cp * (hex ? 16 : 10) + d;
        i++;
      }
      if (i > start) {
        if (s.charCodeAt(i) === 59) i++;
        value = cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\uFFFD' : String.fromCodePoint(cp);
      }
    } else {
      const start = i;
      while (i < n && i - start <= MAX_NAME && isAlnum(s.charCodeAt(i))) i++;
      const name = s.slice(start, i).toLowerCase();
      if (s.charCodeAt(i) === 59 && NAMED[name] !== undefined) { value = NAMED[name]; i++; }
      else if (NO_SEMI.has(name)) value = NAMED[name];
    }
    if (value !== undefined) {
      if (amp > last) out.push(s.slice(last, amp));
      out.push(value);
      decoded++;
      last = i;
    }
    amp = s.indexOf('&', Math.max(i, amp + 1));
  }
  if (decoded === 0) return { text: s, decoded: 0 };
  if (last < n) out.push(s.slice(last));
  return { text: out.join(''), decoded };
}
