/**
 * Inline comments used as whitespace between SQL words (`SELECT/**\/pass/**\/FROM/**\/users`,
 * `and/**\/1=1`, `DROP/*x*\/accounts`): a filter that looks for "select " or "union select" sees no space.
 * Writing a comment with no space on either side between SQL words has no other use. Counts the junctions
 * where a word, a slash-star comment and a word touch, and needs a statement verb and a second SQL keyword
 * among their words — or one junction right after a verb that opens the value and has no meaning in
 * program code (drop, truncate, union). MySQL executable comments (slash-star-bang) hold code and are read
 * by the tokenizer instead.
 */

const VERBS = new Set(['select', 'union', 'insert', 'update', 'delete', 'drop', 'exec', 'execute', 'declare']);
/** Verbs that, opening the value and glued to a comment, are SQL (C++'s delete is not among them). */
const LEAD_VERBS = new Set(['drop', 'truncate', 'union']);
const KEYWORDS = new Set(['from', 'where', 'into', 'set', 'table', 'values', 'and', 'or', 'select', 'union', 'all', 'order', 'group', 'having', 'limit']);

function word(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95; }

/** Confidence that the value spaces SQL words with inline comments (0 when it does not). Linear. */
export function commentSpacing(s: string): number {
  const n = s.length;
  let verb = false, other = false, junctions = 0, lead = false;
  let s0 = 0;
  while (s0 < n && (s.charCodeAt(s0) === 32 || s.charCodeAt(s0) === 9)) s0++;
  let i = 0;
  for (let guard = 0; guard < 256; guard++) {
    const at = s.indexOf('/*', i);
    if (at < 0) break;
    const close = s.indexOf('*/', at + 2);
    if (close < 0) break;
    i = close + 2;
    if (at === 0 || s.charCodeAt(at + 2) === 33 || !word(s.charCodeAt(at - 1)) || !word(s.charCodeAt(close + 2))) continue;
    let a = at; while (a > 0 && word(s.charCodeAt(a - 1)) && at - a < 16) a--;
    let b = close + 2; while (b < n && word(s.charCodeAt(b)) && b - close < 18) b++;
    junctions++;
    if (a === s0 && LEAD_VERBS.has(s.slice(a, at).toLowerCase())) lead = true;
    for (const w of [s.slice(a, at).toLowerCase(), s.slice(close + 2, b).toLowerCase()]) {
      if (VERBS.has(w)) { if (verb) other = true; verb = true; }
      else if (KEYWORDS.has(w)) other = true;
    }
  }
  return (junctions >= 2 && verb && other) || lead ? 0.85 : 0;
}
