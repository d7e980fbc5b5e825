/**
 * Obfuscations a SQL payload hides behind: keywords split by inline comments (uni/**\/on) and SQL text
 * written as one long 0x… literal. Each helper undoes one so the readings see the plain text.
 */

/** Words a comment splits that only SQL has: joining uni + on must give one of these to count. */
const SPLIT_WORDS = new Set(['union', 'select', 'insert', 'update', 'delete', 'drop', 'from', 'where', 'order', 'group', 'having',
  'sleep', 'benchmark', 'concat', 'information_schema', 'table_name', 'column_name', 'exec', 'execute', 'declare', 'waitfor', 'char', 'substring', 'ascii', 'version', 'database']);

/**
 * Remove slash-star comments glued to word characters on both sides (`uni/**\/on`), counting how many
 * joins produce a SQL keyword. Linear: one pass, each comment skipped once.
 */
export function joinCommentSplitWords(s: string): { text: string; keywords: number } {
  let out = '';
  let keywords = 0;
  let i = 0;
  const n = s.length;
  const word = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  while (i < n) {
    const at = s.indexOf('/*', i);
    if (at < 0) { out += s.slice(i); break; }
    const close = s.indexOf('*/', at + 2);
    if (close < 0) { out += s.slice(i); break; }
    if (at > 0 && word(s.charCodeAt(at - 1)) && word(s.charCodeAt(close + 2)) && s.charCodeAt(at + 2) !== 33) {
      let a = at; while (a > 0 && word(s.charCodeAt(a - 1)) && at - a < 32) a--;
      let b = close + 2; while (b < n && word(s.charCodeAt(b)) && b - close < 34) b++;
      if (SPLIT_WORDS.has((s.slice(a, at) + s.slice(close + 2, b)).toLowerCase())) keywords++;
      out += s.slice(i, at);
    } else out += s.slice(i, close + 2);
    i = close + 2;
  }
  return { text: out, keywords };
}

/** The first 0x… literal of 16+ hex digits as text (UTF-16LE NULs dropped), when every byte is printable. */
export function hexText(s: string): string | undefined {
  const at = s.indexOf('0x');
  let end = at + 2;
  const hex = (c: number) => (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
  while (end < s.length && end - at < 4098 && hex(s.charCodeAt(end))) end++;
  if (end - at - 2 < 16) return undefined;
  const buf = Buffer.from(s.slice(at + 2, end - ((end - at) % 2)), 'hex');
  let out = '';
  for (const b of buf) { if (b === 0) continue; if (b < 32 || b > 126) return undefined; out += String.fromCharCode(b); }
  return out.length >= 4 ? out : undefined;
}
