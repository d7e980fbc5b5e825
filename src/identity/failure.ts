import { IDENTITY_CODES, type IdentityCode } from './codes.js';

export type CredentialKind = 'jwt' | 'introspection' | 'api_key' | 'signature' | 'mtls' | 'saml';

/**
 * Why a presented credential was not accepted. Values, not exceptions: verifiers return them. `status`
 * comes from the code (401, 400 for ambiguous requests, 503 when a dependency is down).
 */
export class AuthFailure {
  readonly status: number;
  readonly message: string;
  constructor(
    readonly kind: CredentialKind,
    readonly code: IdentityCode,
    /** Set when the configured fail mode lets the request continue unauthenticated. */
    readonly failOpen = false,
  ) {
    const info = IDENTITY_CODES[code];
    this.status = info.status;
    this.message = info.message;
  }
}

/** Shared instances: failures carry no per-request data, so one object per (kind, code) is enough. */
const cache = new Map<string, AuthFailure>();
export function fail(kind: CredentialKind, code: IdentityCode): AuthFailure {
  const k = `${kind} ${code}`;
  let f = cache.get(k);
  if (f === undefined) { f = new AuthFailure(kind, code); cache.set(k, f); }
  return f;
}
