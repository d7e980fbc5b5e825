import { decodeBase64Text, embeddedBase64 } from '../decode/normalize.js';
import { BATCH_KEYWORDS, CODE_FUNCTIONS, TIER_A } from './cmdi-lexicon.js';
import { SENSITIVE_FILES } from './paranoid.js';
import { SQL_WORDS } from './paranoid-sql.js';
import { TRIGGER_WORDS } from './sqli/gate.js';

/**
 * inspectValue's whole-value fast path: a value of ASCII letters, digits, '_' and spaces (ids, tokens,
 * amounts, names, short phrases — most values, and the cheapest to send by the thousand) in which no word is
 * one a detector looks up, and that is not base64 of text, has no finding at any paranoia level. Such a value
 * decodes to itself (nothing to percent-, escape- or entity-decode, nothing to fold) and holds none of the
 * characters the pre-filters look for (charclass.ts: no bit but ' A', which only starts a UTF-7 reading that
 * needs a '-'; a word with `0x` in it sets C_HEX_PREFIX and is left to the full path), so:
 *
 * - SQL (sqli/gate.ts mayBeSql): without punctuation a value is read only when a word is in TRIGGER_WORDS;
 *   the readings that run regardless need '.', '/', a quote or 0x.
 * - markup (mayBeXss), paths (mayBeTraversal): no syntax character, no decoding: not read.
 * - commands (mayBeCmdi): without shell syntax read only when the first word is in TIER_A, CODE_FUNCTIONS or
 *   BATCH_KEYWORDS (startsWithCommand; its .exe suffix needs a '.').
 * - paranoia levels 2–4 (paranoid.ts): of the rules whose pre-filter lets such a value through, a bare
 *   command name (TIER_A), SQL keywords only (SQL_WORDS; `exec|execute|call x` starts with one) and a bare
 *   sensitive file name (SENSITIVE_FILES) look the words up; SQL fragments, SQL punctuation around an operand
 *   and metacharacters only need punctuation; every other rule a character class this value has none of.
 * - base64: decodeValue reads a value that is base64 of printable text (whole, or a 24+ character run it
 *   opens with) again decoded; the same functions tell here.
 *
 * Words are looked up lower-cased (ASCII: exact). test/unit/threat/quiet-words.test.ts holds inspectValue's
 * findings with this path to its findings without it, at every level.
 */
export function quietWords(s: string): boolean {
  const n = s.length;
  let start = -1;
  let upper = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 32;
    if (c === 32) {
      if (start >= 0 && i - start <= LONGEST) {
        const w = s.slice(start, i);
        if (LOOKED_UP.has(upper ? w.toLowerCase() : w)) return false;
      }
      start = -1;
      upper = false;
      continue;
    }
    if (start < 0) start = i;
    if ((c >= 97 && c <= 122) || c === 95) continue;
    if (c >= 48 && c <= 57) {
      if (c === 48 && (s.charCodeAt(i + 1) | 0x20) === 120) return false; // 0x: spelled-out hex
      continue;
    }
    if (c >= 65 && c <= 90) { upper = true; continue; }
    return false;
  }
  return n < 16 || (decodeBase64Text(s) === undefined && embeddedBase64(s) === undefined);
}

/** Every word a detector looks a word of such a value up in. */
const LOOKED_UP = new Set<string>([...TRIGGER_WORDS, ...TIER_A, ...CODE_FUNCTIONS, ...BATCH_KEYWORDS, ...SQL_WORDS, ...SENSITIVE_FILES]);
const LONGEST = Math.max(...[...LOOKED_UP].map((w) => w.length));
