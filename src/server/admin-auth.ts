import { createHash, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { readReferencedFile } from '../config/referenced-files.js';

export const ADMIN_REALM = 'portcullis-admin';
const POINTER = '/server/admin/token_file';

/**
 * The token in a token file: its text without surrounding whitespace (a Kubernetes Secret or `echo` adds a
 * newline). Throws an Error that never quotes the content: empty, or a character a Bearer credential cannot
 * carry in one header value (only visible ASCII, no spaces).
 */
export function parseAdminToken(text: string): string {
  const token = text.trim();
  if (token === '') throw new Error('is empty (or only whitespace)');
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw new Error(`has a character a Bearer token cannot carry at offset ${i} (only visible ASCII, no spaces)`);
  }
  return token;
}

/**
 * `server.admin.token_file`, read at every config load (recorded, so rotating the file reloads the config)
 * and kept only as its SHA-256: a ConfigError at /server/admin/token_file when unreadable or unusable.
 */
export function loadAdminTokenDigest(tokenFile: string | undefined, configDir: string): Buffer | undefined {
  if (tokenFile === undefined) return undefined;
  let text: string;
  try { text = readReferencedFile(resolve(configDir, tokenFile)); } catch (err) {
    throw new ConfigError(POINTER, `cannot read ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try { return digest(parseAdminToken(text)); } catch (err) {
    throw new ConfigError(POINTER, `${tokenFile} ${(err as Error).message}`);
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * `Authorization: Bearer <token>` (RFC 6750 §2.1; the scheme is case-insensitive, RFC 9110 §11.1) against
 * the token's digest. Both sides are hashed first, so the compare takes the same time whatever the length
 * or content of the presented value. 'missing': no Bearer credentials; 'invalid': credentials that do not match.
 */
export function checkBearer(authorization: string | undefined, expected: Buffer): 'ok' | 'missing' | 'invalid' {
  if (authorization === undefined || authorization.length < 7 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return 'missing';
  const presented = authorization.slice(7).trim();
  if (presented === '') return 'missing';
  return timingSafeEqual(digest(presented), expected) ? 'ok' : 'invalid';
}

/** The WWW-Authenticate challenge of a 401 (RFC 6750 §3: error="invalid_token" when a token was sent). */
export function bearerChallenge(result: 'missing' | 'invalid'): string {
  return result === 'invalid' ? `Bearer realm="${ADMIN_REALM}", error="invalid_token"` : `Bearer realm="${ADMIN_REALM}"`;
}
