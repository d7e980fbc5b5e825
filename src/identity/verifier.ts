import type { Identity, RequestContext } from '../pipeline/context.js';
import type { Deny } from '../pipeline/deny.js';
import type { AuthFailure, CredentialKind } from './failure.js';

/** What a verifier learned beyond the Identity: the facts revocation is checked against. */
export interface Verified {
  identity: Identity;
  /** Token id (JWT jti / introspection jti). */
  jti?: string;
  /** Issued-at, ms since epoch (for "every token of a subject issued before T"). */
  issuedAtMs?: number;
  /** SHA-256 hex of an API key (revocation by key). */
  keyHash?: string;
}

export type VerifyOutcome = Verified | AuthFailure;

/**
 * One credential kind behind one small interface. `extract` finds the credential in the request
 * (undefined: none of this kind is present; AuthFailure: present but unusable, e.g. in two places);
 * `verify` checks it. Return synchronously when no I/O is needed.
 */
export interface CredentialVerifier<P = unknown> {
  readonly kind: CredentialKind;
  extract(ctx: RequestContext): P | AuthFailure | undefined;
  verify(ctx: RequestContext, presented: P): VerifyOutcome | Promise<VerifyOutcome>;
  /** Extra response headers for a failure of this kind (e.g. Accept-Signature). */
  challengeHeaders?(): Record<string, string>;
  /**
   * Requests this kind answers itself (the SAML ACS, logout and metadata paths), in the screen phase
   * (stage.ts endpointsStage): a Deny carrying the response, or undefined for every other request.
   */
  intercept?(ctx: RequestContext): Deny | Promise<Deny> | undefined;
  /**
   * Instead of a 401 when no credential of any kind verified (none presented, or this kind's failed):
   * a response that starts a sign-in (a redirect to the IdP), or undefined to keep the 401.
   */
  loginRedirect?(ctx: RequestContext): Deny | Promise<Deny> | undefined;
}

export type Clock = () => number;
export const systemClock: Clock = Date.now;
