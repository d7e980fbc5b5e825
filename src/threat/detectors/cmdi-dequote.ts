/**
 * Shell quote removal: the command line sh, bash or zsh actually runs after the quoting an attacker glued
 * into words to hide them from a filter — `w'h'o'am'i`, `"wh"oami`, `wh''oami`, `w\hoami` (a backslash
 * before an ordinary character outside quotes is dropped) and backslash-newline line continuations
 * (`wh\<LF>oami`, removed before the line is even split into words). cmdi.ts reads the result as a second
 * reading of the value; the percent-decoded value is used, since a shell does not interpret `\x41` or `\n`.
 *
 * Returns undefined when nothing is glued into a word, so ordinary values (a quoted word, prose with an
 * apostrophe, a Windows path) are not read twice: a quoted segment counts only when it is closed, holds no
 * blank and touches a word character outside it; a backslash only before a word character or a line
 * break, after a word character, and not in a value that spells a drive (`C:\`: its backslashes are
 * separators to the cmd.exe it targets). One pass, linear.
 */

function wordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}
function blank(c: number): boolean { return c === 32 || c === 9 || c === 10 || c === 13; }

export function shellDequote(s: string): string | undefined {
  const n = s.length;
  let out = '';
  let last = 0;
  let glued = false;
  // whether the value spells a drive (C:\\), asked only once a backslash is glued between word characters
  let drive: boolean | undefined;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) {
      const nx = s.charCodeAt(i + 1);
      const before = i > 0 && wordChar(s.charCodeAt(i - 1));
      if (nx === 10 || (nx === 13 && s.charCodeAt(i + 2) === 10)) { // line continuation: gone entirely
        out += s.slice(last, i);
        i += nx === 10 ? 2 : 3;
        last = i;
        if (before) glued = true;
        continue;
      }
      if (i + 1 < n) { // \c is c
        out += s.slice(last, i);
        last = i + 1;
        if (before && wordChar(nx) && !(drive ??= s.indexOf(':\\') >= 0)) glued = true;
        i += 2;
        continue;
      }
      i++;
      continue;
    }
    if (c === 39 || c === 34) {
      // a closed segment: its quotes go; one without a blank that touches a word character is glued
      const close = s.indexOf(s[i]!, i + 1);
      if (close < 0) { i++; continue; }
      let spaced = false;
      for (let k = i + 1; k < close; k++) if (blank(s.charCodeAt(k))) { spaced = true; break; }
      if (!spaced && ((i > 0 && wordChar(s.charCodeAt(i - 1))) || wordChar(s.charCodeAt(close + 1)))) glued = true;
      out += s.slice(last, i) + s.slice(i + 1, close);
      i = close + 1;
      last = i;
      continue;
    }
    i++;
  }
  if (!glued) return undefined;
  return out + s.slice(last);
}
