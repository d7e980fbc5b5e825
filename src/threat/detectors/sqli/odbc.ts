/**
 * ODBC escape braces: MySQL (and ODBC drivers) accept `{identifier expr}` where an expression stands and
 * evaluate the expression (`1 or {x sleep(5)}`, `9 or {if length((select …))>0}`), which hides the
 * expression from filters that read `{` as plain text. This drops each `{word ` opener and its closing
 * `}` so the readings see the expression. Linear; template syntax (`{{x}}`, `{#if}`) has no word right
 * after a single brace and is left as is.
 */
export function stripOdbcEscapes(s: string): { text: string; count: number } {
  let out = '';
  let count = 0;
  let open = 0;
  let from = 0;
  const n = s.length;
  const letter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 123 /* { */ && s.charCodeAt(i - 1) !== 123 && letter(s.charCodeAt(i + 1))) {
      let j = i + 1;
      while (j < n && j - i <= 32 && (letter(s.charCodeAt(j)) || (s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57))) j++;
      const after = s.charCodeAt(j);
      if (after === 32 || after === 9 || after === 10 || after === 40 /* ( */) {
        out += s.slice(from, i) + ' ';
        from = j;
        open++;
        count++;
        i = j - 1;
      }
    } else if (c === 125 /* } */ && open > 0) {
      out += s.slice(from, i) + ' ';
      from = i + 1;
      open--;
    }
  }
  return { text: count > 0 ? out + s.slice(from) : s, count };
}
