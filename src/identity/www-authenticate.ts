import { IDENTITY_CODES, type IdentityCode } from './codes.js';
import type { CredentialKind } from './failure.js';

/**
 * WWW-Authenticate challenges, one per credential kind, in the form clients of that kind expect:
 * - bearer tokens (jwt, introspection): RFC 6750 §3 — `Bearer realm="…"`, plus `error` and
 *   `error_description` when a token was presented;
 * - API keys: `ApiKey realm="…"` (no registered scheme; same parameters as bearer);
 * - HTTP Message Signatures: `Signature realm="…"` — the components to cover go in Accept-Signature
 *   (RFC 9421 §5.1), built by the signature verifier;
 * - mTLS: `mTLS realm="…"` (no registered scheme);
 * - SAML sessions: `SAML realm="…"` (no registered scheme; browsers are redirected to the IdP instead).
 * Descriptions are fixed texts per reason code: nothing from the credential is echoed.
 */
const SCHEME: Record<CredentialKind, string> = {
  jwt: 'Bearer', introspection: 'Bearer', api_key: 'ApiKey', signature: 'Signature', mtls: 'mTLS', saml: 'SAML',
};

export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function challenge(kind: CredentialKind, realm: string, code?: IdentityCode): string {
  let out = `${SCHEME[kind]} realm=${quote(realm)}`;
  if (code !== undefined && code !== 'ERR_UNAUTHENTICATED') {
    const info = IDENTITY_CODES[code];
    const error = kind === 'jwt' || kind === 'introspection' ? info.bearer : info.bearer === 'invalid_request' ? 'invalid_request' : `invalid_${kind === 'api_key' ? 'key' : kind === 'saml' ? 'session' : kind}`;
    out += `, error=${quote(error)}, error_description=${quote(info.message)}`;
  }
  return out;
}

/** The challenges of every accepted kind (no credential presented), one header value, de-duplicated. */
export function challenges(kinds: readonly CredentialKind[], realm: string): string {
  return [...new Set(kinds.map((k) => challenge(k, realm)))].join(', ');
}
