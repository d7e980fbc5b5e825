/**
 * LDAP filter injection. Payload lists file it with SQL injection and it arrives in the same parameters
 * (a login name pasted into `(&(uid=…)(userPassword=…))`), so it is reported with that family. Two shapes
 * only a filter has:
 *
 * - a composite filter opened by the value: `(|(attr=…`, `(&(attr=…`, `(!(attr=…`, `(|(&…`
 * - a wildcard that closes the application's assertion, then a new one: `*)(attr=…`
 * - a close, then a presence (wildcard) assertion: `)(attr=*`
 * - a close, then the absolute true or false filter (RFC 4526): `)(&)`, `)(|)`
 *
 * Each '(' is looked at once with a bounded look-ahead: linear.
 */
import { isCodeWs as isBlank, isLetter } from '../chars.js';

const MAX_ATTR = 64;

/** The reason text when the value holds an LDAP filter fragment, else undefined. */
export function ldapFilterInjection(s: string): string | undefined {
  for (let i = s.indexOf('('); i >= 0; i = s.indexOf('(', i + 1)) {
    let j = i + 1;
    while (isBlank(s.charCodeAt(j))) j++;
    const c = s.charCodeAt(j);
    if (c === 124 /* | */ || c === 38 /* & */ || c === 33 /* ! */) {
      let k = j + 1;
      while (isBlank(s.charCodeAt(k))) k++;
      if (s.charCodeAt(k) === 40 && (assertionAt(s, k + 1) >= 0 || isFilterOp(s.charCodeAt(k + 1)))) return 'LDAP filter injection: composite filter';
      if (i >= 1 && s.charCodeAt(i - 1) === 41 && c !== 33 && s.charCodeAt(j + 1) === 41) return 'LDAP filter injection: absolute true or false filter';
    }
    if (i >= 1 && s.charCodeAt(i - 1) === 41 /* ) */) {
      const v = assertionAt(s, i + 1);
      if (v >= 0 && i >= 2 && s.charCodeAt(i - 2) === 42 /* * */) return 'LDAP filter injection: wildcard closes the filter, a new one opens';
      if (v >= 0 && s.charCodeAt(v) === 42) return 'LDAP filter injection: a close, then a wildcard assertion';
    }
  }
  return undefined;
}

function isFilterOp(c: number): boolean { return c === 124 || c === 38 || c === 33; }

/**
 * attr=, attr~=, attr>=, attr<= (attribute descriptions may carry options: cn;lang-en): the index after
 * the operator (blanks skipped), or -1.
 */
function assertionAt(s: string, i: number): number {
  while (isBlank(s.charCodeAt(i))) i++;
  if (!isLetter(s.charCodeAt(i))) return -1;
  const a = i;
  while (i < s.length && i - a < MAX_ATTR) {
    const c = s.charCodeAt(i);
    if (isLetter(c) || (c >= 48 && c <= 57) || c === 45 || c === 59 || c === 46 || c === 95) i++;
    else break;
  }
  while (isBlank(s.charCodeAt(i))) i++;
  const op = s.charCodeAt(i);
  if (op === 61) i++;
  else if ((op === 126 || op === 62 || op === 60) && s.charCodeAt(i + 1) === 61) i += 2;
  else return -1;
  while (isBlank(s.charCodeAt(i))) i++;
  return i;
}
