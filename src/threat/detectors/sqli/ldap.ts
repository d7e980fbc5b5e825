/**
 * LDAP filter injection. Payload lists file it with SQL injection and it arrives in the same parameters
 * (a login name pasted into `(&(uid=…)(userPassword=…))`), so it is reported with that family. Two shapes
 * only a filter has:
 *
 * - a composite filter opened by the value: `(|(attr=…`, `(&(attr=…`, `(!(attr=…`
 * - a wildcard that closes the application's assertion, then a new one: `*)(attr=…`
 *
 * Each '(' is looked at once with a bounded look-ahead: linear.
 */
const MAX_ATTR = 64;

function isBlank(c: number): boolean { return c === 32 || c === 9 || c === 10 || c === 13; }
function isLetter(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90); }

/** The reason text when the value holds an LDAP filter fragment, else undefined. */
export function ldapFilterInjection(s: string): string | undefined {
  for (let i = s.indexOf('('); i >= 0; i = s.indexOf('(', i + 1)) {
    let j = i + 1;
    while (isBlank(s.charCodeAt(j))) j++;
    const c = s.charCodeAt(j);
    if (c === 124 /* | */ || c === 38 /* & */ || c === 33 /* ! */) {
      let k = j + 1;
      while (isBlank(s.charCodeAt(k))) k++;
      if (s.charCodeAt(k) === 40 && assertionAt(s, k + 1)) return 'LDAP filter injection: composite filter';
    }
    if (i >= 2 && s.charCodeAt(i - 1) === 41 /* ) */ && s.charCodeAt(i - 2) === 42 /* * */ && assertionAt(s, i + 1)) {
      return 'LDAP filter injection: wildcard closes the filter, a new one opens';
    }
  }
  return undefined;
}

/** attr=, attr~=, attr>=, attr<= (attribute descriptions may carry options: cn;lang-en). */
function assertionAt(s: string, i: number): boolean {
  while (isBlank(s.charCodeAt(i))) i++;
  if (!isLetter(s.charCodeAt(i))) return false;
  const a = i;
  while (i < s.length && i - a < MAX_ATTR) {
    const c = s.charCodeAt(i);
    if (isLetter(c) || (c >= 48 && c <= 57) || c === 45 || c === 59 || c === 46 || c === 95) i++;
    else break;
  }
  while (isBlank(s.charCodeAt(i))) i++;
  const op = s.charCodeAt(i);
  if (op === 61) return true;
  return (op === 126 || op === 62 || op === 60) && s.charCodeAt(i + 1) === 61;
}
