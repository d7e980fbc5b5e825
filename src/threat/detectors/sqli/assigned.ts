/**
 * A value that carries its own `name=` and then a boolean operator (`id=AND 7639=(`, `sort=OR (4=5)`): a
 * chained condition written for a query string the application splices as a whole, or a parameter
 * smuggled inside another. The part after '=' is read as a fragment in its own right (its lead reading
 * sees the operator first). Only a leading name (letters, digits, `_ . - [ ]`) counts, and the operator
 * must follow it: `color=red` or `a=b&c=d` are left alone.
 */

const NAME_MAX = 40;
const LOGIC_START = /^\s*(?:and|or|xor|\|\||&&)(?![A-Za-z0-9_])/i;

function nameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45 || c === 91 || c === 93;
}

/** The text after a leading `name=` when a boolean operator opens it; undefined otherwise. */
export function assignedFragment(s: string): string | undefined {
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 97 && c0 <= 122) || (c0 >= 65 && c0 <= 90) || c0 === 95)) return undefined;
  let i = 1;
  while (i < s.length && i <= NAME_MAX && nameChar(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 61 /* = */ || s.charCodeAt(i + 1) === 61) return undefined;
  const rest = s.slice(i + 1);
  return LOGIC_START.test(rest) ? rest : undefined;
}
