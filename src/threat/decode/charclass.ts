/**
 * Which syntax-bearing characters a value holds, in one pass over its char codes. The detector dispatch
 * (detectors/index.ts) uses it to skip a family whose grammar cannot start without one of them — most
 * API values (names, ids, amounts, prose) carry none of the characters markup or paths are made of.
 */

export const C_LT = 1 << 0; // <
export const C_GT = 1 << 1; // >
export const C_COLON = 1 << 2; // :
export const C_PAREN = 1 << 3; // (
export const C_BACKTICK = 1 << 4; // `
export const C_EQ = 1 << 5; // =
export const C_BRACE = 1 << 6; // {
export const C_SQUOTE = 1 << 7; // '
export const C_DQUOTE = 1 << 8; // "
export const C_DOT = 1 << 9; // .
export const C_SLASH = 1 << 10; // /
export const C_BACKSLASH = 1 << 11; // \
/** A `0x` / `0X` pair: hex spelled out (0x2e is a dot to a path normaliser, 0x3c a '<' to some decoders). */
export const C_HEX_PREFIX = 1 << 12;
/** U+00BC '¼': with '¾' the US-ASCII 7-bit markup trick (¼script¾). */
export const C_FRACTION = 1 << 13;
/** What the decoder needs to know (is there anything to decode at all?). */
export const C_PERCENT = 1 << 14; // %
export const C_AMP = 1 << 15; // & (character references)
export const C_PLUS = 1 << 16; // + (UTF-7 shifts)
/** A character at or above U+00A0: full-width forms and look-alike separators are folded. */
export const C_WIDE = 1 << 17;
/** ' A': where a UTF-7 shift whose '+' became a space (form decoding) may start. */
export const C_SPACE_A = 1 << 18;
/** Shell control characters (with & < > ( ` { above). */
export const C_SEMI = 1 << 19; // ;
export const C_PIPE = 1 << 20; // |
export const C_DOLLAR = 1 << 21; // $
export const C_NEWLINE = 1 << 22; // \n or \r
export const C_CARET = 1 << 23; // ^ (cmd.exe escape, glued before a command)
/** The rest of SQL's punctuation (with ' " ( ; = < > | & ` / above): sqli/gate.ts reads these bits. */
export const C_RPAREN = 1 << 24; // )
export const C_HASH = 1 << 25; // #
export const C_STAR = 1 << 26; // *
export const C_COMMA = 1 << 27; // ,
export const C_DASH = 1 << 28; // -
export const C_AT = 1 << 29; // @

const ASCII = new Uint32Array(128);
for (const [ch, bit] of [['<', C_LT], ['>', C_GT], [':', C_COLON], ['(', C_PAREN], ['`', C_BACKTICK], ['=', C_EQ], ['{', C_BRACE],
  ["'", C_SQUOTE], ['"', C_DQUOTE], ['.', C_DOT], ['/', C_SLASH], ['\\', C_BACKSLASH], ['%', C_PERCENT], ['&', C_AMP], ['+', C_PLUS],
  [';', C_SEMI], ['|', C_PIPE], ['$', C_DOLLAR], ['\n', C_NEWLINE], ['\r', C_NEWLINE], ['^', C_CARET],
  [')', C_RPAREN], ['#', C_HASH], ['*', C_STAR], [',', C_COMMA], ['-', C_DASH], ['@', C_AT]] as const) ASCII[ch.charCodeAt(0)] = bit;

/** The C_* bits present in s. Linear, no allocation. */
export function charClasses(s: string): number {
  let m = 0;
  let prev = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      m |= ASCII[c]!;
      if ((c === 120 || c === 88) && prev === 48) m |= C_HEX_PREFIX;
      else if (c === 65 && prev === 32) m |= C_SPACE_A;
    } else if (c >= 0xa0) m |= c === 0xbc ? C_FRACTION | C_WIDE : C_WIDE;
    prev = c;
  }
  return m;
}
