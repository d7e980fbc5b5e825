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
