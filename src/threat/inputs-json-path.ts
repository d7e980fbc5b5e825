/** `where` of a JSON body value: `body.$.a.b[0]`; a suspicious key is reported as `body-key.$.a`. */
export const JSON_ROOT = 'body.$';
export const KEY_PREFIX = 'body-key.';

/** The step of member name `k` in a `where` (a name is cut at 64 characters, as exclusions name it). */
export function memberStep(k: string): string {
  return keyStep(k.length > 64 ? k.slice(0, 64) : k);
}

/**
 * The step of key `k` in a `where`: `.k`, or `['k']` (`\\` and `'` escaped) for a key that is empty or holds
 * `.` `[` `]` `'` `\\`, so that no key spells other steps (`{"a.b": …}` is `$['a.b']`, not `$.a.b`; `{"x[0]": …}`
 * is not `$.x[0]`; `{".*": …}` is not a depth cut `..*`). Exclusions cannot name such keys: they stay inspected.
 */
function keyStep(k: string): string {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c === 46 || c === 91 || c === 93 || c === 39 || c === 92) return `['${k.replace(/[\\']/g, '\\$&')}']`;
  }
  return k === '' ? "['']" : `.${k}`;
}
