import { isShellBlank as isWs } from './chars.js';
import { take, type Acc } from './cmdi-verdict.js';

/**
 * A shell function defined and then run by name: `f(){ f|f& };f`, `myfunc(){ …; }; myfunc` (the fork bomb
 * shape). The call after the definition is the bare name as a command — not `f()` as a language would call
 * it — after `;`, `&` or a line break.
 */
const NAME_CHARS = /[a-z0-9_:.-]/;
export function functionThenCall(s: string, acc: Acc): void {
  let guard = 0;
  for (let p = s.indexOf('()'); p >= 0 && guard < 16; p = s.indexOf('()', p + 2), guard++) {
    let a = p;
    while (a > 0 && p - a < 32 && NAME_CHARS.test(s[a - 1]!)) a--;
    if (a === p) continue;
    const name = s.slice(a, p);
    let j = p + 2;
    while (j < s.length && isWs(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) !== 123) continue;
    const close = s.indexOf('}', j + 1);
    if (close < 0 || close - j > 240 || s.slice(j + 1, close).indexOf('{') >= 0) continue;
    let k = close + 1;
    while (k < s.length && (isWs(s.charCodeAt(k)) || s.charCodeAt(k) === 10 || s.charCodeAt(k) === 13)) k++;
    const sep = s.charCodeAt(k);
    if (sep !== 59 && sep !== 38 && !(k > close + 1 && (s.charCodeAt(k - 1) === 10 || s.charCodeAt(k - 1) === 13))) continue;
    if (sep === 59 || sep === 38) k++;
    while (k < s.length && isWs(s.charCodeAt(k))) k++;
    if (!s.startsWith(name, k)) continue;
    const after = s.charCodeAt(k + name.length);
    if (k + name.length >= s.length || isWs(after) || after === 59 || after === 38 || after === 124 || after === 10 || after === 13) {
      take(acc, 0.9, 'shell function defined and run');
      return;
    }
  }
}
