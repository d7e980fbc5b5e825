/** Quick reject: text without a character or word SQL injection needs. */
export function mayBeSql(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // ' " ( ) ; = < > - # / * @ | & ` ,
    if (c === 39 || c === 34 || c === 40 || c === 41 || c === 59 || c === 61 || c === 60 || c === 62 || c === 45 ||
        c === 35 || c === 47 || c === 42 || c === 64 || c === 124 || c === 38 || c === 96 || c === 44) return true;
  }
  // keyword-only fragments ("1 or true", " ORDER BY 5") need a space and one of the words they are made of
  if (s.indexOf(' ') < 0 && s.indexOf('\t') < 0 && s.indexOf('\n') < 0) return false;
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) | 0x20 : 32;
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 0x7f;
    if (word) { if (start < 0) start = i; continue; }
    if (start >= 0 && i - start <= 9 && TRIGGER_WORDS.has(s.slice(start, i).toLowerCase())) return true;
    start = -1;
  }
  return false;
}

/** Words a SQL fragment without punctuation is made of (or 1 = 1 needs '='; these do not). */
const TRIGGER_WORDS = new Set(['or', 'and', 'xor', 'union', 'select', 'order', 'group', 'having', 'where', 'waitfor', 'limit',
  'procedure', 'into', 'exec', 'execute', 'drop', 'insert', 'delete', 'update', 'shutdown', 'declare', 'truncate', 'alter',
  'create', 'grant', 'revoke', 'like', 'rlike', 'regexp', 'between', 'sleep', 'benchmark', 'not', 'null', 'is', 'in', 'as',
  'begin', 'end', 'print', 'backup', 'copy', 'pragma', 'attach', 'handler', 'load', 'replace', 'rename', 'merge', 'call']);
