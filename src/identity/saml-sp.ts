import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SAML, SamlStatusError, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import type { KvStore } from '../store/types.js';
import type { IdentityCode } from './codes.js';
import { AuthnRequirement, authnFactsOf } from './saml-authn.js';
import { nameIdFormatAccepted } from './saml-name-id.js';
import type { SamlConfig } from './config.js';
import type { IdpDescriptor } from './saml-metadata.js';
import { type RedirectSigner, redirectUrl } from './saml-redirect.js';
import { spMetadataXml } from './saml-sp-metadata.js';

/** Longest reason logged: library messages quote the response (StatusMessage, Audience…), which the poster controls. */
const MAX_DETAIL = 300;

/** Why an ACS post was refused: a stable code for the client and metrics, the library's words (capped) for the log. */
export class SamlRejected extends Error {
  readonly detail: string;
  constructor(readonly code: IdentityCode, detail: string) {
    const d = detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
    super(d);
    this.detail = d;
  }
}

/** What a verified assertion says about the user. */
export interface Assertion {
  id: string;
  issuer: string;
  nameId: string;
  nameIdFormat?: string;
  nameQualifier?: string;
  spNameQualifier?: string;
  sessionIndex?: string;
  /** SessionNotOnOrAfter of the AuthnStatement, ms since epoch */
  sessionEnd?: number;
  /** the assertion's IssueInstant, ms since epoch (signed) */
  issuedAt?: number;
  /** the AuthnRequest ID this answers (absent for IdP-initiated sign-in) */
  inResponseTo?: string;
  /** the AuthnStatement's AuthnContextClassRef, when it has one */
  authnContext?: string;
  /** the AuthnStatement's AuthnInstant, ms since epoch */
  authnInstant: number;
  attributes: Record<string, string | string[]>;
}

/** Cap on the SAMLResponse form field (base64). Real responses are a few KiB. */
export const MAX_RESPONSE_CHARS = 256 * 1024;
/**
 * Cap on the elements of a SAMLResponse. node-saml's XPath library orders node sets by walking sibling lists,
 * so its cost grows with the square of the element count: 45,000 empty elements in the (unsigned) Response
 * fit in MAX_RESPONSE_CHARS and cost over a minute of CPU. A real response has a few dozen elements plus
 * two per attribute value; 4096 is about 2000 attribute values.
 */
export const MAX_RESPONSE_ELEMENTS = 4096;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const REQUEST_ID = /\bID="(_[0-9a-f]{20,64})"/;
const REPLAY_PREFIX = 'identity:saml:assertion:';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** node-saml's error texts → our codes (each pinned by an attack in test/unit/identity/saml.test.ts). */
function classify(err: unknown): SamlRejected {
  if (err instanceof SamlRejected) return err;
  if (err instanceof SamlStatusError) return new SamlRejected('ERR_SAML_STATUS', err.message);
  const m = err instanceof Error ? err.message : String(err);
  const code: IdentityCode =
    /InResponseTo/i.test(m) ? 'ERR_SAML_IN_RESPONSE_TO'
      : /signature|Cannot obtain assertion/i.test(m) ? 'ERR_SAML_SIGNATURE'
        : /audience/i.test(m) ? 'ERR_SAML_AUDIENCE'
          : /expired|NotBefore|not yet valid|subject confirmation|too old/i.test(m) ? 'ERR_SAML_EXPIRED'
            : /issuer/i.test(m) ? 'ERR_SAML_ISSUER'
              : 'ERR_SAML_MALFORMED';
  return new SamlRejected(code, m);
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0) return text(v[0]);
  if (v !== null && typeof v === 'object' && typeof (v as { _?: unknown })._ === 'string') return (v as { _: string })._;
  return undefined;
}

/**
 * The service-provider half of SAML 2.0 Web Browser SSO (HTTP-Redirect AuthnRequest, HTTP-POST Response),
 * on node-saml. node-saml checks the XML signature against the IdP's certificates (and refuses wrapped or
 * multiple assertions), the time conditions, the audience and InResponseTo. Added here: the assertion's
 * issuer is the configured IdP, the response and bearer confirmation are addressed to our ACS URL, no DTDs,
 * bounded input, and each assertion is accepted once (its ID is claimed in the shared store until it
 * expires), on every replica.
 */
export class ServiceProvider {
  readonly saml: SAML;
  private readonly metadataXml: string;
  private readonly authnRequirement: AuthnRequirement;

  constructor(private readonly cfg: SamlConfig, readonly idp: IdpDescriptor, private readonly store: KvStore, private readonly skewMs: number,
    private readonly sp: { signer?: RedirectSigner; signingCertificate?: string; sloUrl?: string } = {}) {
    this.saml = new SAML({
      idpCert: idp.certificates,
      issuer: cfg.sp_entity_id,
      callbackUrl: cfg.acs_url,
      entryPoint: idp.ssoUrl,
      audience: cfg.sp_entity_id,
      idpIssuer: idp.entityId,
      wantAssertionsSigned: cfg.want_assertions_signed ?? true,
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: skewMs,
      // InResponseTo is checked here against the browser's sealed request cookie (saml-pending.ts), not a
      // server-side cache: a visitor who has not signed in writes nothing to the store
      validateInResponseTo: ValidateInResponseTo.never,
      identifierFormat: cfg.name_id_format ?? null,
      disableRequestedAuthnContext: cfg.authn_context === undefined,
      ...(cfg.authn_context !== undefined ? { authnContext: cfg.authn_context } : {}),
      racComparison: cfg.authn_context_comparison ?? 'exact',
      forceAuthn: cfg.force_authn ?? false,
    });
    this.authnRequirement = new AuthnRequirement(cfg.authn_context, cfg.authn_context_comparison ?? 'exact', cfg.force_authn === true, skewMs, (cfg.request_ttl_s ?? 600) * 1000);
    this.metadataXml = spMetadataXml({
      entityId: cfg.sp_entity_id, acsUrl: cfg.acs_url, wantAssertionsSigned: cfg.want_assertions_signed ?? true,
      nameIdFormat: cfg.name_id_format, signingCertificate: sp.signingCertificate, sloUrl: sp.sloUrl,
    });
  }

  metadata(): string { return this.metadataXml; }

  /**
   * The IdP URL that starts a sign-in, and the AuthnRequest's ID (the caller keeps it in the browser's request
   * cookie). With a signing key the query is signed (SigAlg, Signature: saml-redirect.ts).
   */
  async loginUrl(relayState: string): Promise<{ url: string; requestId: string }> {
    const url = await this.saml.getAuthorizeUrlAsync(relayState, undefined, {});
    const request = inflateRawSync(Buffer.from(new URL(url).searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
    const requestId = REQUEST_ID.exec(request)?.[1];
    if (requestId === undefined) throw new Error('AuthnRequest without an ID');
    // node-saml signs the query as encoded by querystring but sends it as encoded by URLSearchParams (they
    // differ on ~ ! ' ( ) * and spaces in RelayState): we sign exactly what we send
    if (this.sp.signer !== undefined) return { url: redirectUrl(this.idp.ssoUrl, 'SAMLRequest', request, relayState, this.sp.signer), requestId };
    return { url, requestId };
  }

  /**
   * Verifies a posted SAMLResponse (base64) and claims its assertion ID. `pending` says when this browser
   * started the request it answers (ms), undefined when it did not. Throws SamlRejected.
   */
  async consume(posted: string, now: number, pending: (requestId: string) => number | undefined = () => undefined): Promise<Assertion> {
    // IdPs may wrap the base64 in lines; a '+' a client forgot to percent-encode arrives as a space
    const samlResponse = posted.length > MAX_RESPONSE_CHARS ? '' : posted.replace(/[\r\n\t]/g, '').replace(/ /g, '+');
    if (samlResponse.length === 0 || !BASE64.test(samlResponse)) {
      throw new SamlRejected('ERR_SAML_MALFORMED', 'SAMLResponse is empty, too large or not base64');
    }
    const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
    if (/<!DOCTYPE/i.test(xml)) throw new SamlRejected('ERR_SAML_MALFORMED', 'SAMLResponse contains a DOCTYPE');
    if (tooManyElements(xml, MAX_RESPONSE_ELEMENTS)) throw new SamlRejected('ERR_SAML_MALFORMED', `SAMLResponse has more than ${MAX_RESPONSE_ELEMENTS} elements`);
    const { destination, weakAlgorithm } = responseFacts(xml);
    if (destination !== undefined && destination !== this.cfg.acs_url) throw new SamlRejected('ERR_SAML_RECIPIENT', `Destination is not this ACS URL: ${destination.slice(0, 200)}`);
    // SHA-1 (and MD5): collisions are practical; every current IdP signs with SHA-256 unless told otherwise
    if (weakAlgorithm !== undefined && this.cfg.allow_sha1 !== true) throw new SamlRejected('ERR_SAML_SIGNATURE', `weak signature algorithm ${weakAlgorithm.slice(0, 100)} (set identity.saml.allow_sha1 to accept SHA-1 from a legacy IdP)`);
    let profile: Profile | null;
    try {
      ({ profile } = await this.saml.validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (err) {
      throw classify(err);
    }
    if (profile === null || typeof profile.nameID !== 'string' || profile.nameID === '') throw new SamlRejected('ERR_SAML_MALFORMED', 'assertion has no NameID');
    if (profile.issuer !== this.idp.entityId) throw new SamlRejected('ERR_SAML_ISSUER', `assertion issuer is not the configured IdP: ${String(profile.issuer).slice(0, 200)}`);
    const a = (profile.getAssertion?.() as { Assertion?: Record<string, any> } | undefined)?.Assertion;
    const id = a?.$?.ID;
    if (typeof id !== 'string' || id === '') throw new SamlRejected('ERR_SAML_MALFORMED', 'assertion has no ID');
    // the schema allows one of each; with more, which one is the user is a matter of which the reader takes
    if (a?.Subject?.length !== 1 || a.Subject[0]?.NameID?.length !== 1) throw new SamlRejected('ERR_SAML_MALFORMED', 'the assertion must have exactly one Subject with one NameID');
    const format: unknown = a.Subject[0].NameID[0]?.$?.Format;
    if (!nameIdFormatAccepted(this.cfg.name_id_format, typeof format === 'string' ? format : undefined)) {
      throw new SamlRejected('ERR_SAML_NAME_ID_FORMAT', `NameID Format ${typeof format === 'string' ? format.slice(0, 200) : '(none: unspecified)'} is not name_id_format`);
    }
    const responseTo = typeof profile.inResponseTo === 'string' ? profile.inResponseTo : undefined;
    const confirmed = bearerConfirmation(a?.Subject?.[0]?.SubjectConfirmation ?? [], this.cfg.acs_url, responseTo, now, this.skewMs);
    const confirmedUntil = confirmed.until;
    // the request it answers: the signed confirmation's, else the Response's
    const inResponseTo = confirmed.inResponseTo ?? responseTo;
    if (inResponseTo === undefined && this.cfg.allow_idp_initiated !== true) throw new SamlRejected('ERR_SAML_IN_RESPONSE_TO', 'unsolicited response (no InResponseTo): set allow_idp_initiated to accept IdP-initiated sign-in');
    // an answer to a sign-in is only taken from the browser that started it (checked before the assertion
    // is claimed, so an attempt from another browser does not use it up)
    const requestedAt = inResponseTo === undefined ? undefined : pending(inResponseTo);
    if (inResponseTo !== undefined && requestedAt === undefined) throw new SamlRejected('ERR_SAML_IN_RESPONSE_TO', 'the response answers no sign-in this browser started in the last request_ttl_s (request cookie)');
    const issuedAt = Date.parse(a?.$?.IssueInstant ?? '');
    const authn = authnFactsOf(a);
    this.authnRequirement.check(authn, requestedAt, now);
    // the ID is claimed for as long as the assertion could be accepted
    const notOnOrAfter = Date.parse(a?.Conditions?.[0]?.$?.NotOnOrAfter ?? '');
    const acceptableUntil = Math.min(confirmedUntil, Number.isFinite(notOnOrAfter) ? notOnOrAfter : Infinity);
    const keepMs = Math.max(60_000, acceptableUntil - now + this.skewMs);
    const replayKey = REPLAY_PREFIX + createHash('sha256').update(`${profile.issuer}\n${id}`).digest('hex');
    if (!(await this.store.setNX(replayKey, '1', keepMs))) throw new SamlRejected('ERR_SAML_REPLAY', 'assertion ID already used');
    const attributes: Record<string, string | string[]> = {};
    const raw = (profile.attributes ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(raw)) {
      const v = raw[name];
      if (Array.isArray(v)) attributes[name] = v.map(text).filter((x): x is string => x !== undefined);
      else { const t = text(v); if (t !== undefined) attributes[name] = t; }
    }
    return {
      id, issuer: profile.issuer, nameId: profile.nameID,
      nameIdFormat: typeof profile.nameIDFormat === 'string' ? profile.nameIDFormat : undefined,
      nameQualifier: typeof profile.nameQualifier === 'string' ? profile.nameQualifier : undefined,
      spNameQualifier: typeof profile.spNameQualifier === 'string' ? profile.spNameQualifier : undefined,
      sessionIndex: typeof profile.sessionIndex === 'string' ? profile.sessionIndex : undefined,
      sessionEnd: authn.sessionEnd,
      issuedAt: Number.isFinite(issuedAt) ? issuedAt : undefined,
      inResponseTo,
      authnContext: authn.classRef,
      authnInstant: authn.instant,
      attributes,
    };
  }
}

/**
 * The Web SSO profile's bearer confirmation, checked as one: a SubjectConfirmationData addressed to our ACS
 * (Recipient), current (NotOnOrAfter, required; NotBefore if present) and answering the same request as the
 * Response (InResponseTo, when it names one). node-saml checks the time of whichever confirmation comes
 * first with a current time, whatever its Method or Recipient, so a current confirmation for another SP
 * next to an expired one for us would otherwise pass. Returns its NotOnOrAfter (ms) and InResponseTo.
 */
function bearerConfirmation(confirmations: any[], acsUrl: string, inResponseTo: string | undefined, now: number, skewMs: number): { until: number; inResponseTo?: string } {
  let reason = 'no bearer SubjectConfirmation has this ACS URL as Recipient';
  for (const c of confirmations) {
    if (c?.$?.Method !== BEARER) continue;
    for (const d of c.SubjectConfirmationData ?? []) {
      const x = d?.$ ?? {};
      if (x.Recipient !== acsUrl) continue;
      const until = Date.parse(x.NotOnOrAfter ?? '');
      const from = x.NotBefore === undefined ? -Infinity : Date.parse(x.NotBefore);
      if (!Number.isFinite(until) || Number.isNaN(from) || now - skewMs >= until || now + skewMs < from) { reason = 'the bearer SubjectConfirmation for this ACS URL is not current (or has no NotOnOrAfter)'; continue; }
      if (x.InResponseTo !== undefined && x.InResponseTo !== inResponseTo) { reason = 'the bearer SubjectConfirmation for this ACS URL answers another request'; continue; }
      return { until, inResponseTo: typeof x.InResponseTo === 'string' ? x.InResponseTo : undefined };
    }
  }
  throw new SamlRejected('ERR_SAML_RECIPIENT', reason);
}

/** More than `max` start tags (`<` not followed by `/`, `!` or `?`: a `<` in text or an attribute must be escaped). */
function tooManyElements(xml: string, max: number): boolean {
  let n = 0;
  for (let i = xml.indexOf('<'); i >= 0; i = xml.indexOf('<', i + 1)) {
    const c = xml.charCodeAt(i + 1);
    if (c !== 0x2f && c !== 0x21 && c !== 0x3f && ++n > max) return true;
  }
  return false;
}

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
/** SHA-1 and MD5 signature / digest algorithms (rsa-sha1, dsa-sha1, ecdsa-sha1, hmac-sha1, sha1, rsa-md5, md5). */
const WEAK_ALGORITHM = /(?:sha1|md5)$/i;

interface ResponseFacts {
  /** the Response element's Destination attribute */
  destination?: string;
  /** a SignatureMethod or DigestMethod of any signature in the document is SHA-1 or MD5 */
  weakAlgorithm?: string;
}

/** What the checks before node-saml need from the raw document (nothing when it does not parse: node-saml reports it). */
function responseFacts(xml: string): ResponseFacts {
  let doc;
  try {
    doc = new DOMParser({ errorHandler: () => { /* node-saml reports malformed XML */ } }).parseFromString(xml, 'text/xml');
  } catch { return {}; }
  const root = doc?.documentElement;
  if (root === null || root === undefined) return {};
  const out: ResponseFacts = {};
  if (root.localName === 'Response' && root.hasAttribute('Destination')) out.destination = root.getAttribute('Destination')!;
  for (const tag of ['SignatureMethod', 'DigestMethod']) {
    for (const e of Array.from(doc.getElementsByTagNameNS(DSIG, tag))) {
      const alg = e.getAttribute('Algorithm') ?? '';
      if (WEAK_ALGORITHM.test(alg)) { out.weakAlgorithm = alg; return out; }
    }
  }
  return out;
}
