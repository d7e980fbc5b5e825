/**
 * A test SAML identity provider: an RSA key and self-signed certificate made with openssl for this run,
 * and SAML 2.0 Responses built and signed (XML-DSig, exclusive c14n, RSA-SHA256) the way IdPs such as
 * Keycloak, Okta and ADFS send them to an ACS with the HTTP-POST binding. Options make the broken and
 * hostile variants the tests need (unsigned, wrong audience, expired, wrapped…).
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';

export interface TestIdpKeys { key: string; cert: string; certFile: string; dir: string }

/** A key pair and self-signed certificate (openssl), written to a temp folder. */
export function makeIdpKeys(cn = 'test-idp'): TestIdpKeys {
  const dir = mkdtempSync(join(tmpdir(), 'saml-idp-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-subj', `/CN=${cn}`,
    '-keyout', join(dir, 'idp.key'), '-out', join(dir, 'idp.crt')], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'idp.key'), 'utf8'), cert: readFileSync(join(dir, 'idp.crt'), 'utf8'), certFile: join(dir, 'idp.crt'), dir };
}

export interface ResponseOptions {
  idpEntityId: string;
  spEntityId: string;
  acsUrl: string;
  nameId: string;
  inResponseTo?: string;
  attributes?: Record<string, string | string[]>;
  /** seconds relative to now */
  notBeforeS?: number;
  notOnOrAfterS?: number;
  subjectNotOnOrAfterS?: number;
  audience?: string;
  recipient?: string;
  destination?: string | null;
  issuer?: string;
  assertionId?: string;
  sessionIndex?: string;
  /** SessionNotOnOrAfter of the AuthnStatement, seconds relative to now (absent when undefined) */
  sessionNotOnOrAfterS?: number;
  status?: string;
  /** NameID NameQualifier / SPNameQualifier attributes */
  nameQualifier?: string;
  spNameQualifier?: string;
  /** the assertion's IssueInstant, seconds relative to now (default 0) */
  issuedS?: number;
  /** the AuthnStatement's AuthnContextClassRef (default PasswordProtectedTransport; null: an AuthnContext without one) */
  authnContextClassRef?: string | null;
  /** the AuthnStatement's AuthnInstant, seconds relative to now (default 0) */
  authnInstantS?: number;
  /** leave the AuthnStatement out (an attribute-only assertion) */
  noAuthnStatement?: boolean;
  /** the NameID's Format (default emailAddress; null: no Format attribute) */
  nameIdFormat?: string | null;
  /** what to sign: 'assertion' (default), 'response', 'both', 'none' */
  sign?: 'assertion' | 'response' | 'both' | 'none';
  signingKey?: string;
  signingCert?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (offsetS: number) => new Date(Date.now() + offsetS * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const newId = () => `_${randomBytes(16).toString('hex')}`;

/** The assertion XML (unsigned). */
export function assertionXml(o: ResponseOptions, id: string): string {
  const attrs = Object.entries(o.attributes ?? {}).map(([name, v]) =>
    `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${(Array.isArray(v) ? v : [v]).map((x) => `<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">${esc(x)}</saml:AttributeValue>`).join('')}</saml:Attribute>`).join('');
  const irt = o.inResponseTo !== undefined ? ` InResponseTo="${esc(o.inResponseTo)}"` : '';
  return `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${iso(o.issuedS ?? 0)}">`
    + `<saml:Issuer>${esc(o.issuer ?? o.idpEntityId)}</saml:Issuer>`
    + `<saml:Subject><saml:NameID${o.nameIdFormat === null ? '' : ` Format="${esc(o.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress')}"`}${o.nameQualifier ? ` NameQualifier="${esc(o.nameQualifier)}"` : ''}${o.spNameQualifier ? ` SPNameQualifier="${esc(o.spNameQualifier)}"` : ''}>${o.nameId.includes('<!--') ? o.nameId : esc(o.nameId)}</saml:NameID>`
    + `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(o.subjectNotOnOrAfterS ?? o.notOnOrAfterS ?? 300)}" Recipient="${esc(o.recipient ?? o.acsUrl)}"${irt}/></saml:SubjectConfirmation></saml:Subject>`
    + `<saml:Conditions NotBefore="${iso(o.notBeforeS ?? -30)}" NotOnOrAfter="${iso(o.notOnOrAfterS ?? 300)}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience ?? o.spEntityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`
    + (o.noAuthnStatement === true ? '' : `<saml:AuthnStatement AuthnInstant="${iso(o.authnInstantS ?? 0)}" SessionIndex="${esc(o.sessionIndex ?? newId())}"${o.sessionNotOnOrAfterS !== undefined ? ` SessionNotOnOrAfter="${iso(o.sessionNotOnOrAfterS)}"` : ''}><saml:AuthnContext>${o.authnContextClassRef === null ? '<saml:AuthnContextDeclRef>urn:example:decl</saml:AuthnContextDeclRef>' : `<saml:AuthnContextClassRef>${esc(o.authnContextClassRef ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport')}</saml:AuthnContextClassRef>`}</saml:AuthnContext></saml:AuthnStatement>`)
    + (attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : '')
    + '</saml:Assertion>';
}

/** Signs the element with the given ID; the signature goes right after its Issuer (SAML schema order). */
export function signElement(xml: string, id: string, localName: 'Assertion' | 'Response', key: string, cert: string): string {
  const sig = new SignedXml({ privateKey: key, publicCert: cert, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
  sig.addReference({
    xpath: `//*[local-name(.)='${localName}' and @ID='${id}']`,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, { location: { reference: `//*[local-name(.)='${localName}' and @ID='${id}']/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

export interface BuiltResponse { xml: string; base64: string; assertionId: string; responseId: string }

/** A whole Response, signed as asked, and its base64 (the SAMLResponse form field). */
export function buildResponse(keys: TestIdpKeys, o: ResponseOptions): BuiltResponse {
  const assertionId = o.assertionId ?? newId();
  const responseId = newId();
  const key = o.signingKey ?? keys.key;
  const cert = o.signingCert ?? keys.cert;
  const sign = o.sign ?? 'assertion';
  let assertion = assertionXml(o, assertionId);
  if (sign === 'assertion' || sign === 'both') assertion = signElement(assertion, assertionId, 'Assertion', key, cert);
  const irt = o.inResponseTo !== undefined ? ` InResponseTo="${esc(o.inResponseTo)}"` : '';
  const dest = o.destination === null ? '' : ` Destination="${esc(o.destination ?? o.acsUrl)}"`;
  let xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${responseId}" Version="2.0" IssueInstant="${iso(0)}"${dest}${irt}>`
    + `<saml:Issuer>${esc(o.issuer ?? o.idpEntityId)}</saml:Issuer>`
    + `<samlp:Status><samlp:StatusCode Value="${o.status ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status>`
    + assertion + '</samlp:Response>';
  if (sign === 'response' || sign === 'both') xml = signElement(xml, responseId, 'Response', key, cert);
  return { xml, base64: Buffer.from(xml).toString('base64'), assertionId, responseId };
}

/**
 * IdP metadata (EntityDescriptor with an IDPSSODescriptor: signing certificate, HTTP-Redirect SSO), optionally
 * wanting signed AuthnRequests and with a SingleLogoutService (HTTP-Redirect).
 */
export function idpMetadata(entityId: string, ssoUrl: string, cert: string, o: { wantSigned?: boolean; sloUrl?: string; sloResponseUrl?: string } = {}): string {
  const b64 = cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const slo = o.sloUrl === undefined ? '' : `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${esc(o.sloUrl)}/post"/>`
    + `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${esc(o.sloUrl)}"${o.sloResponseUrl ? ` ResponseLocation="${esc(o.sloResponseUrl)}"` : ''}/>`;
  return `<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(entityId)}">`
    + `<md:IDPSSODescriptor WantAuthnRequestsSigned="${o.wantSigned === true}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">`
    + `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
    + slo
    + '<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>'
    + `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${esc(ssoUrl)}/post"/>`
    + `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${esc(ssoUrl)}"/>`
    + '</md:IDPSSODescriptor></md:EntityDescriptor>\n';
}

export function writeFile(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

// ---- the HTTP-Redirect binding, as an IdP does it (saml-bindings §3.4.4.1), written from the spec for the tests ----

const SIG_HASH: Record<string, string> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'sha1',
};

export interface RedirectCheck {
  /** the signature verified with `cert` over the octets as they appear in the query */
  ok: boolean;
  signed: boolean;
  param: 'SAMLRequest' | 'SAMLResponse';
  xml: string;
  relayState?: string;
  sigAlg?: string;
}

/**
 * What the IdP does with a redirect it receives: takes SAMLRequest|SAMLResponse, RelayState and SigAlg from
 * the raw query (not re-encoded), verifies Signature with the sender's certificate, inflates the message.
 */
export function checkRedirect(url: string, cert: string): RedirectCheck {
  const raw = new Map<string, string>();
  for (const part of new URL(url).search.slice(1).split('&')) {
    const [k, v = ''] = part.split('=') as [string, string?];
    raw.set(k, v);
  }
  const param = raw.has('SAMLRequest') ? 'SAMLRequest' : 'SAMLResponse';
  const xml = inflateRawSync(Buffer.from(decodeURIComponent(raw.get(param)!), 'base64')).toString('utf8');
  const relay = raw.get('RelayState');
  const relayState = relay === undefined ? undefined : decodeURIComponent(relay.replace(/\+/g, ' '));
  if (!raw.has('Signature')) return { ok: false, signed: false, param, xml, relayState };
  const sigAlg = decodeURIComponent(raw.get('SigAlg')!);
  const octets = `${param}=${raw.get(param)}${relay !== undefined ? `&RelayState=${relay}` : ''}&SigAlg=${raw.get('SigAlg')}`;
  const hash = SIG_HASH[sigAlg];
  const ok = hash !== undefined && verify(hash, Buffer.from(octets), createPublicKey(cert), Buffer.from(decodeURIComponent(raw.get('Signature')!), 'base64'));
  return { ok, signed: true, param, xml, relayState, sigAlg };
}

/** The query an IdP sends to the SP's SLO endpoint: `param`=xml (DEFLATE, base64), RelayState, signed with `key` unless null. */
export function idpRedirectQuery(param: 'SAMLRequest' | 'SAMLResponse', xml: string, key: string | null, o: { relayState?: string; sigAlg?: string; notDeflated?: boolean } = {}): string {
  let q = `${param}=${encodeURIComponent((o.notDeflated ? Buffer.from(xml) : deflateRawSync(Buffer.from(xml))).toString('base64'))}`;
  if (o.relayState !== undefined) q += `&RelayState=${encodeURIComponent(o.relayState)}`;
  if (key === null) return q;
  const alg = o.sigAlg ?? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
  q += `&SigAlg=${encodeURIComponent(alg)}`;
  return `${q}&Signature=${encodeURIComponent(sign(SIG_HASH[alg] ?? 'sha256', Buffer.from(q), key).toString('base64'))}`;
}

export interface LogoutOptions {
  issuer: string;
  destination?: string | null;
  id?: string;
  /** seconds relative to now */
  issueInstantS?: number;
}

/** The IdP's LogoutResponse to the SP's LogoutRequest `inResponseTo`. */
export function idpLogoutResponse(o: LogoutOptions & { inResponseTo?: string; status?: string }): string {
  const dest = o.destination === null || o.destination === undefined ? '' : ` Destination="${esc(o.destination)}"`;
  const irt = o.inResponseTo === undefined ? '' : ` InResponseTo="${esc(o.inResponseTo)}"`;
  return `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${o.id ?? newId()}" Version="2.0" IssueInstant="${iso(o.issueInstantS ?? 0)}"${dest}${irt}>`
    + `<saml:Issuer>${esc(o.issuer)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="${o.status ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status></samlp:LogoutResponse>`;
}

/** An IdP-initiated LogoutRequest for `nameId`. */
export function idpLogoutRequest(o: LogoutOptions & { nameId: string; sessionIndex?: string; notOnOrAfterS?: number }): string {
  const dest = o.destination === null || o.destination === undefined ? '' : ` Destination="${esc(o.destination)}"`;
  const nna = o.notOnOrAfterS === undefined ? '' : ` NotOnOrAfter="${iso(o.notOnOrAfterS)}"`;
  return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${o.id ?? newId()}" Version="2.0" IssueInstant="${iso(o.issueInstantS ?? 0)}"${dest}${nna}>`
    + `<saml:Issuer>${esc(o.issuer)}</saml:Issuer><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(o.nameId)}</saml:NameID>`
    + (o.sessionIndex !== undefined ? `<samlp:SessionIndex>${esc(o.sessionIndex)}</samlp:SessionIndex>` : '')
    + '</samlp:LogoutRequest>';
}
