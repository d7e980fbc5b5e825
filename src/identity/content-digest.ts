import { createHash, timingSafeEqual } from 'node:crypto';
import { parseDictionary, serializeDictionary } from 'structured-headers';

/** RFC 9530 Content-Digest: algorithms we check, by their registered names. */
const ALGS: Record<string, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

export type DigestCheck = 'ok' | 'mismatch' | 'malformed' | 'unsupported';

/**
 * Check a Content-Digest field against the body bytes. Every supported algorithm present must match;
 * at least one must be present. Unknown algorithms are ignored (RFC 9530 §2).
 */
export function checkContentDigest(field: string, body: Buffer): DigestCheck {
  let dict;
  try { dict = parseDictionary(field); } catch { return 'malformed'; }
  let checked = 0;
  for (const [name, member] of dict) {
    const alg = ALGS[name];
    if (alg === undefined) continue;
    const value = member[0];
    if (!(value instanceof ArrayBuffer)) return 'malformed';
    const want = Buffer.from(value);
    const got = createHash(alg).update(body).digest();
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'mismatch';
    checked++;
  }
  return checked > 0 ? 'ok' : 'unsupported';
}

export function contentDigest(body: Buffer, alg: 'sha-256' | 'sha-512' = 'sha-256'): string {
  const d = createHash(ALGS[alg]!).update(body).digest();
  return serializeDictionary(new Map([[alg, [d, new Map()]]]));
}
