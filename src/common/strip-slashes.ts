/**
 * Trailing `/` removed by a loop. `s.replace(/\/+$/, '')` is quadratic in a backtracking matcher: it tries
 * the run of slashes from every position of it (recheck: 2nd-degree polynomial).
 */
export function stripTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** Leading and trailing `/` removed (`/^\/+|\/+$/g` without its quadratic backtracking). */
export function stripSlashes(s: string): string {
  let start = 0;
  while (start < s.length && s.charCodeAt(start) === 47) start++;
  return stripTrailingSlashes(s.slice(start));
}
