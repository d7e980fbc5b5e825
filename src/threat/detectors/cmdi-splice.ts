/**
 * Shell syntax glued inside a command word that expands to nothing (or to a literal) and so only changes how
 * the word looks: `ti^me` (cmd.exe caret escape), `uname$u` / `sh${x}` (an unset variable), `c$-at`, `c$_at`,
 * `c$1at` (special and positional parameters), `pi<()ng` (an empty process substitution), `$((7))z` (an
 * arithmetic expansion of a literal, which reads as its digits). cmdi.ts's word reader asks this at each
 * character it would otherwise stop at; `$IFS` is not a splice (it is the word separator).
 */
export interface Splice { skip: number; text: string }

function isLower(c: number): boolean { return c >= 97 && c <= 122; }
function isNameChar(c: number): boolean { return isLower(c) || (c >= 48 && c <= 57) || c === 95; }
function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
/** A character a command word is made of (letters, digits, '-', '_', '.'). */
function isWordish(c: number): boolean { return isNameChar(c) || c === 45 || c === 46; }

/** Special parameters: $@ $* $# $? $- $$ $! $_ and positional $0–$9. */
function isSpecialParam(c: number): boolean { return c === 64 || c === 42 || c === 35 || c === 63 || c === 45 || c === 36 || c === 33 || c === 95 || isDigit(c); }

/**
 * What the (lower-cased) value holds at `j` inside a word of `nameLen` characters read so far, when it is a
 * splice: how many characters to skip and what they contribute to the word. Undefined when it is not one.
 * A splice must be followed by more of the word (or end a word that has begun): `$5` after a price, `a^2`
 * in a formula never make a command name on their own.
 */
export function splice(s: string, j: number, nameLen: number): Splice | undefined {
  const c = s.charCodeAt(j);
  const c1 = s.charCodeAt(j + 1);
  // $((12)): arithmetic expansion of a number literal
  if (c === 36 && c1 === 40 && s.charCodeAt(j + 2) === 40) {
    let k = j + 3;
    while (k < s.length && k - j < 12 && isDigit(s.charCodeAt(k))) k++;
    if (k > j + 3 && s.charCodeAt(k) === 41 && s.charCodeAt(k + 1) === 41 && (nameLen > 0 || isWordish(s.charCodeAt(k + 2)))) return { skip: k + 2 - j, text: s.slice(j + 3, k) };
    return undefined;
  }
  if (nameLen === 0) return undefined;
  // ti^me: cmd.exe's escape before an ordinary character
  if (c === 94 && isWordish(c1)) return { skip: 1, text: '' };
  // pi<()ng, pi>()ng: an empty process substitution
  if ((c === 60 || c === 62) && c1 === 40 && s.charCodeAt(j + 2) === 41) return { skip: 3, text: '' };
  if (c !== 36) return undefined;
  // c$-at, c$_at, who$1ami
  if (isSpecialParam(c1)) return { skip: 2, text: '' };
  // uname$u, sh$xx, n${u}c: a variable (unset in the attack) — but $IFS is a separator, not a splice
  if (c1 === 123) {
    let k = j + 2;
    while (k < s.length && k - j < 34 && isNameChar(s.charCodeAt(k))) k++;
    if (k === j + 2 || s.charCodeAt(k) !== 125 || isDigit(s.charCodeAt(j + 2))) return undefined;
    if (s.slice(j + 2, k) === 'ifs') return undefined;
    return { skip: k + 1 - j, text: '' };
  }
  if (isLower(c1) || c1 === 95) {
    let k = j + 1;
    while (k < s.length && k - j < 33 && isNameChar(s.charCodeAt(k))) k++;
    if (s.slice(j + 1, k) === 'ifs') return undefined;
    return { skip: k - j, text: '' };
  }
  return undefined;
}
