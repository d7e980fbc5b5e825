import { createHash } from 'node:crypto';

const MAX_KEY = 512;

/** A key part with the separators it could forge escaped (| and = and %). */
export function part(s: string): string {
  return /[|=%]/.test(s) ? s.replace(/%/g, '%25').replace(/\|/g, '%7C').replace(/=/g, '%3D') : s;
}

/** Counter keys stay bounded: a key longer than 512 characters is replaced by a hash of it. */
export function bounded(key: string): string {
  return key.length <= MAX_KEY ? key : `h:${createHash('sha256').update(key).digest('base64url')}`;
}
