import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The SAML session cookie: what a verified assertion said, sealed with AES-256-GCM (confidential and
 * tamper-evident; attributes are often personal data). The key is derived (HKDF-SHA256) from the
 * configured secret; older secrets still open cookies during a rotation but never seal new ones. The
 * cookie name is bound in as associated data, so a value cannot be moved to another cookie.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>` (base64url). Opening is synchronous and does no I/O.
 */
export interface SessionClaims {
  /** Session id: random; the revocation list's `jti` (logout revokes it on every replica). */
  sid: string;
  sub: string;
  /** IdP entity id */
  iss: string;
  /** ms since epoch */
  iat: number;
  exp: number;
  roles: string[];
  attrs: Record<string, string | string[]>;
  /** NameID format and the IdP's SessionIndex (for the upstream / logs, and the LogoutRequest of single logout) */
  fmt?: string;
  idx?: string;
  /** NameID NameQualifier / SPNameQualifier, when the IdP sent them: a LogoutRequest must name the NameID as issued */
  nq?: string;
  spnq?: string;
  /** the AuthnContextClassRef and AuthnInstant (ms) of the assertion: identity claims authn_context, authn_instant (s) */
  acr?: string;
  ait?: number;
}

const VERSION = 'v1';
const IV = 12;
const TAG = 16;

function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'portcullis-saml-session', VERSION, 32));
}

/** A JSON value sealed into a cookie value (and back), bound to the cookie's name. */
export class CookieSealer {
  private readonly keys: Buffer[];
  private readonly aad: Buffer;

  /** secrets[0] seals; every one of them opens. */
  constructor(secrets: readonly string[], cookieName: string) {
    this.keys = secrets.map(deriveKey);
    this.aad = Buffer.from(`portcullis-saml:${cookieName}`, 'utf8');
  }

  sealValue(v: unknown): string {
    const iv = randomBytes(IV);
    const c = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    c.setAAD(this.aad);
    const body = Buffer.concat([c.update(JSON.stringify(v), 'utf8'), c.final()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
  }

  /** The value, or undefined when the cookie is not one this deployment sealed (or was altered). */
  openValue(value: string): unknown {
    const parts = value.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
    const iv = Buffer.from(parts[1]!, 'base64url');
    const body = Buffer.from(parts[2]!, 'base64url');
    const tag = Buffer.from(parts[3]!, 'base64url');
    if (iv.length !== IV || tag.length !== TAG || body.length === 0) return undefined;
    for (const key of this.keys) {
      try {
        const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG });
        d.setAAD(this.aad);
        d.setAuthTag(tag);
        const text = Buffer.concat([d.update(body), d.final()]).toString('utf8');
        return JSON.parse(text) as unknown;
      } catch { /* wrong key or altered: try the next key */ }
    }
    return undefined;
  }
}

/** The session cookie's sealer: only claims of the session's shape come out. */
export class SessionSealer extends CookieSealer {
  seal(s: SessionClaims): string { return this.sealValue(s); }
  open(value: string): SessionClaims | undefined { return checkShape(this.openValue(value)); }
}

/** Only we seal cookies, but a secret shared with an older version must not make a malformed one crash. */
function checkShape(v: unknown): SessionClaims | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const s = v as Partial<SessionClaims>;
  if (typeof s.sid !== 'string' || typeof s.sub !== 'string' || typeof s.iss !== 'string' || typeof s.iat !== 'number' || typeof s.exp !== 'number') return undefined;
  if (!Array.isArray(s.roles) || s.attrs === null || typeof s.attrs !== 'object') return undefined;
  if ((s.acr !== undefined && typeof s.acr !== 'string') || (s.ait !== undefined && typeof s.ait !== 'number')) return undefined;
  return s as SessionClaims;
}
