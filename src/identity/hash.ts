import { createHash } from 'node:crypto';

/** SHA-256 hex of a string (cache keys, API key lookups). Never log the input. */
export function sha256hex(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

/** A value read from a dotted claim path ("realm_access.roles"); undefined when absent. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let cur: unknown = claims;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Roles from a claim: an array of strings, or a space-separated string (OAuth2 `scope`). Bounded. */
export function rolesFrom(v: unknown, max = 256): string[] {
  if (typeof v === 'string') return v.split(' ').filter((s) => s !== '').slice(0, max);
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').slice(0, max);
  return [];
}
