import { CODE_FUNCTIONS, TIER_A } from './cmdi-lexicon.js';

/**
 * cmdi.ts's pre-filter for a value whose only shell syntax is quotes (`O'Brien`, `a'b`, `"x" y`, `red, 'green'`):
 * a quote is a command position (a closing quote, then a command) and may be glued into a word to hide it
 * (`w'h'oami`), so such a value is read — unless it provably names no command. For a value of ASCII letters,
 * digits, '_', '.', spaces, quotes and commas only (its url and full readings the same, which decodeValue makes
 * them for such text), detectCmdi can only find:
 *
 * - the command word at the start, or after a leading quote (scan: consider START, the closing-quote rule),
 *   of the value and of its dequoted reading: readWord's name is a run of word characters with closed quoted
 *   segments read into it, cut at an unclosed or distant quote or at 64 characters. Without a space, comma or
 *   quote in it (no lexicon name holds one, and none is 64 long: cmdi-quoted-words.test.ts checks the
 *   lexicon) it is a prefix of a space- and comma-separated token with its quotes removed, ending at a quote
 *   or at the token's end. It must be in TIER_A or CODE_FUNCTIONS to count, bare or with a .exe, .com or .bat
 *   suffix (paths need '/' or '\\').
 * - a cmd.exe `if` statement (batchIf), which needs `if` where a command starts: with no & | ( @ or line
 *   break here, at the start of the value or of its dequoted reading (after blanks).
 * Every other rule needs a character this class has none of: ; | & ` $ < > { ( % / \ + ^ ~ or a line break.
 */
export function quotedWordsNameNoCommand(s: string): boolean {
  const n = s.length;
  // `if` first: the first two characters that are not quotes, after leading spaces and quotes
  let i = 0;
  while (i < n && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 39 || s.charCodeAt(i) === 34)) i++;
  if ((s.charCodeAt(i) | 0x20) === 105) {
    let k = i + 1;
    while (k < n && (s.charCodeAt(k) === 39 || s.charCodeAt(k) === 34)) k++;
    if ((s.charCodeAt(k) | 0x20) === 102) return false;
  }
  // every token (between spaces and commas): each prefix of it without quotes that ends at a quote or its end
  for (i = 0; i < n;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 44) { i++; continue; }
    let name = '';
    let from = i;
    for (; i <= n; i++) {
      const k = i < n ? s.charCodeAt(i) : 32;
      if (k === 32 || k === 44 || k === 39 || k === 34) {
        if (i > from) {
          name += s.slice(from, i);
          if (name.length <= LONGEST + 4 && named(name.toLowerCase())) return false;
        }
        from = i + 1;
        if (k === 32 || k === 44) break;
        continue;
      }
      if (!((k >= 97 && k <= 122) || (k >= 65 && k <= 90) || (k >= 48 && k <= 57) || k === 95 || k === 46)) return false;
    }
    i++;
  }
  return true;
}

/** A lexicon name, bare or with the .exe/.com/.bat suffix readWord cuts. */
function named(name: string): boolean {
  if (LEXICON.has(name)) return true;
  return (name.endsWith('.exe') || name.endsWith('.com') || name.endsWith('.bat')) && LEXICON.has(name.slice(0, -4));
}

const LEXICON = new Set([...TIER_A, ...CODE_FUNCTIONS]);
const LONGEST = Math.max(...[...LEXICON].map((w) => w.length));
