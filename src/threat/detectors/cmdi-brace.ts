import { isShellBlank as isWs } from './chars.js';
import { TIER_A } from './cmdi-lexicon.js';
import { take, type Acc } from './cmdi-verdict.js';

function isAlnum(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 48 && c <= 57); }
function isAltChar(c: number): boolean { return isAlnum(c) || c === 45 || c === 95; }

/**
 * Brace expansion inside a command word: `c{a,oun}t` expands to `cat count`, so the first alternative with
 * the word's prefix and suffix is the command that runs. Needs a prefix or suffix glued to the braces, at
 * least two alternatives, and the word in command position (the value's start, or after ; | & ( ` or a line
 * break). `{…}` at `open`.
 */
export function innerBrace(s: string, open: number, acc: Acc): void {
  let a = open;
  while (a > 0 && open - a < 16 && isAlnum(s.charCodeAt(a - 1))) a--;
  // the first '}' within 40 characters, with only alternative characters and commas before it (what the
  // alternatives below must be made of): not indexOf, which from every '{' of a brace run reads to the end
  let close = -1;
  for (let j = open + 1; j < s.length && j - open <= 40; j++) {
    const c = s.charCodeAt(j);
    if (c === 125) { close = j; break; }
    if (c !== 44 && !isAltChar(c)) return;
  }
  if (close < 0) return;
  const alts = s.slice(open + 1, close).split(',');
  if (alts.length < 2 || alts.some((x) => { for (let k = 0; k < x.length; k++) if (!isAltChar(x.charCodeAt(k))) return true; return false; })) return;
  let z = close + 1;
  while (z < s.length && z - close < 16 && isAlnum(s.charCodeAt(z))) z++;
  if (a === open && z === close + 1) return; // {a,b} alone: the brace-list rule reads it
  let k = a - 1;
  while (k >= 0 && isWs(s.charCodeAt(k))) k--;
  const before = k < 0 ? -1 : s.charCodeAt(k);
  if (!(before === -1 || before === 59 || before === 124 || before === 38 || before === 40 || before === 96 || before === 10 || before === 13)) return;
  const word = s.slice(a, open) + alts[0] + s.slice(close + 1, z);
  if (TIER_A.has(word)) take(acc, 0.85, `${word} spelled by brace expansion`);
}
