/**
 * Char-code classes the detectors share. Each reader scans char codes rather than running regexes; the
 * whitespace sets differ on purpose: what separates words for an HTML tokenizer is not what separates
 * arguments for a shell.
 */

export function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
/** ASCII letter. */
export function isLetter(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90); }
/** ASCII letter, digit or '_'. */
export function isIdentChar(c: number): boolean { return isLetter(c) || isDigit(c) || c === 95; }
/** ASCII whitespace as HTML defines it (space, tab, LF, FF, CR). */
export function isHtmlWs(c: number): boolean { return c === 32 || c === 9 || c === 10 || c === 12 || c === 13; }
/** Blanks between a shell command's words (a line break is a separator, not a blank). */
export function isShellBlank(c: number): boolean { return c === 32 || c === 9 || c === 11 || c === 12; }
/** Space, tab and line breaks: where JavaScript and template tokens may be split. */
export function isCodeWs(c: number): boolean { return c === 32 || c === 9 || c === 10 || c === 13; }
/** What a regular expression's `\s` matches (and String.prototype.trim removes): JS WhiteSpace and LineTerminator. */
export function isJsSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
