import { SamlRejected } from './saml-sp.js';

/** What the verified assertion's AuthnStatement says about how and when the user authenticated. */
export interface AuthnFacts {
  /** AuthnContext/AuthnContextClassRef (absent when the IdP describes the context otherwise, or not at all) */
  classRef?: string;
  /** AuthnInstant, ms since epoch */
  instant: number;
  /** SessionNotOnOrAfter, ms since epoch */
  sessionEnd?: number;
}

/** xml2js text (explicitCharkey: `{ _: text }`), whitespace-collapsed as xs:anyURI is. */
function textOf(v: unknown): string | undefined {
  const t = typeof v === 'string' ? v : v !== null && typeof v === 'object' && typeof (v as { _?: unknown })._ === 'string' ? (v as { _: string })._ : undefined;
  return t?.trim();
}

/**
 * The AuthnStatement of a verified assertion (node-saml's parsed form, read from the signed bytes). The Web
 * SSO profile (saml-profiles §4.1.4.2) requires one in the assertion used for sign-in; with more, which
 * one describes this sign-in would be the reader's choice, so exactly one is accepted. AuthnInstant is
 * required by the schema.
 */
export function authnFactsOf(assertion: Record<string, any> | undefined): AuthnFacts {
  const statements: unknown = assertion?.AuthnStatement;
  if (!Array.isArray(statements) || statements.length !== 1) {
    throw new SamlRejected('ERR_SAML_MALFORMED', 'the assertion must have exactly one AuthnStatement (SAML profiles §4.1.4.2: a sign-in assertion states the authentication)');
  }
  const s = statements[0] as Record<string, any> | undefined;
  const instant = Date.parse(s?.$?.AuthnInstant ?? '');
  if (!Number.isFinite(instant)) throw new SamlRejected('ERR_SAML_MALFORMED', 'the AuthnStatement has no valid AuthnInstant');
  const sessionEnd = typeof s?.$?.SessionNotOnOrAfter === 'string' ? Date.parse(s.$.SessionNotOnOrAfter) : NaN;
  const contexts: unknown = s?.AuthnContext;
  const refs: unknown = Array.isArray(contexts) && contexts.length === 1 ? (contexts[0] as Record<string, unknown> | undefined)?.AuthnContextClassRef : undefined;
  const classRef = Array.isArray(refs) && refs.length === 1 ? textOf(refs[0]) : undefined;
  return { instant, ...(classRef ? { classRef } : {}), ...(Number.isFinite(sessionEnd) ? { sessionEnd } : {}) };
}

export type AuthnComparison = 'exact' | 'minimum' | 'better' | 'maximum';

/**
 * What the SP asked of the authentication (authn_context with its comparison, force_authn), checked on the
 * answer: the AuthnRequest travels through the browser (unsigned by default), so a user can drop the
 * RequestedAuthnContext or ForceAuthn and keep the request ID.
 *
 * The classes are ranked by the order of the list, weakest first (SAML leaves strength to the parties);
 * a class not on it has no known strength and is refused. So, per SAML core §3.3.2.2.1: exact — one of
 * the list; minimum ("at least as strong as one of") — one of the list; maximum ("not exceeding at least
 * one of") — one of the list; better ("stronger than one of") — one of the list after the first.
 */
export class AuthnRequirement {
  private readonly accepted?: ReadonlySet<string>;

  constructor(classes: readonly string[] | undefined, readonly comparison: AuthnComparison, private readonly forceAuthn: boolean,
    private readonly skewMs: number, private readonly requestTtlMs: number) {
    if (classes !== undefined) this.accepted = new Set(comparison === 'better' ? classes.slice(1) : classes);
  }

  /**
   * Throws ERR_SAML_AUTHN_CONTEXT unless the answer meets the requirement. `requestedAt` is when this browser
   * started the sign-in it answers (ms); an unsolicited answer has none, so with force_authn its AuthnInstant
   * must be within the last request_ttl_s.
   */
  check(a: AuthnFacts, requestedAt: number | undefined, now: number): void {
    if (this.accepted !== undefined && (a.classRef === undefined || !this.accepted.has(a.classRef))) {
      throw new SamlRejected('ERR_SAML_AUTHN_CONTEXT', `AuthnContextClassRef ${a.classRef === undefined ? '(none)' : a.classRef.slice(0, 200)} does not meet authn_context (${this.comparison})`);
    }
    if (this.forceAuthn) {
      const since = (requestedAt ?? now - this.requestTtlMs) - this.skewMs;
      if (a.instant < since) {
        throw new SamlRejected('ERR_SAML_AUTHN_CONTEXT', `force_authn: the AuthnInstant is ${Math.round((since + this.skewMs - a.instant) / 1000)} s before the sign-in ${requestedAt === undefined ? 'window (request_ttl_s, unsolicited response)' : 'request'}`);
      }
    }
  }
}
