import { X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';

/** What the SP needs to know of an IdP, read from its SAML 2.0 metadata (or written in the config). */
export interface IdpDescriptor {
  entityId: string;
  /** SingleSignOnService with the HTTP-Redirect binding */
  ssoUrl: string;
  /** signing certificates, PEM */
  certificates: string[];
  /** SingleLogoutService with the HTTP-Redirect binding: where LogoutRequests go (Location) and LogoutResponses (ResponseLocation, else Location) */
  slo?: { url: string; responseUrl: string };
  /** WantAuthnRequestsSigned="true" in its metadata (or idp.want_authn_requests_signed) */
  wantAuthnRequestsSigned?: boolean;
}

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

function children(e: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = e.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) out.push(n as Element);
  }
  return out;
}

function descendants(e: Element, ns: string, local: string): Element[] {
  return Array.from(e.getElementsByTagNameNS(ns, local));
}

export function pemOfBase64(b64: string): string {
  const body = b64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Reads IdP metadata: an EntityDescriptor, or an EntitiesDescriptor (a federation feed) in which
 * `entityId` picks one. Throws Error with a message naming what is missing; the caller adds the file.
 * DOCTYPEs are refused: metadata has no use for them and they are how entity expansion attacks start.
 */
export function parseIdpMetadata(xml: string, entityId?: string): IdpDescriptor {
  if (/<!DOCTYPE/i.test(xml)) throw new Error('metadata contains a DOCTYPE, which is not allowed');
  const errors: string[] = [];
  const doc = new DOMParser({ errorHandler: { error: (msg: unknown) => errors.push(String(msg)), fatalError: (msg: unknown) => errors.push(String(msg)) } }).parseFromString(xml, 'text/xml');
  if (errors.length > 0 || doc.documentElement === null) throw new Error(`metadata is not well-formed XML${errors[0] ? `: ${errors[0].split('\n')[0]}` : ''}`);
  const root = doc.documentElement;
  let entities: Element[];
  if (root.namespaceURI === MD && root.localName === 'EntityDescriptor') entities = [root];
  else if (root.namespaceURI === MD && root.localName === 'EntitiesDescriptor') entities = descendants(root, MD, 'EntityDescriptor');
  else throw new Error('metadata root is not an md:EntityDescriptor or md:EntitiesDescriptor');
  const idps = entities.filter((e) => children(e, MD, 'IDPSSODescriptor').length > 0);
  const chosen = entityId !== undefined ? idps.filter((e) => e.getAttribute('entityID') === entityId) : idps;
  if (chosen.length === 0) throw new Error(entityId !== undefined ? `metadata has no IdP with entityID "${entityId}"` : 'metadata has no IDPSSODescriptor');
  if (chosen.length > 1) throw new Error(`metadata describes ${chosen.length} IdPs: set idp.entity_id to pick one`);
  const e = chosen[0]!;
  const id = e.getAttribute('entityID');
  if (!id) throw new Error('EntityDescriptor has no entityID');
  const sso = children(e, MD, 'IDPSSODescriptor')[0]!;
  const redirect = children(sso, MD, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === REDIRECT);
  const ssoUrl = redirect?.getAttribute('Location') ?? '';
  if (!/^https?:\/\//.test(ssoUrl)) throw new Error('IDPSSODescriptor has no SingleSignOnService with the HTTP-Redirect binding and an http(s) Location');
  const certificates: string[] = [];
  for (const kd of children(sso, MD, 'KeyDescriptor')) {
    const use = kd.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const c of descendants(kd, DS, 'X509Certificate')) {
      const b64 = (c.textContent ?? '').replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
      // checked here, like certificate_files: a bad one would otherwise only show as failed sign-ins
      try {
        certificates.push(new X509Certificate(pemOfBase64(b64)).toString());
      } catch {
        throw new Error(`IDPSSODescriptor KeyDescriptor X509Certificate #${certificates.length + 1} is not an X.509 certificate`);
      }
    }
  }
  if (certificates.length === 0) throw new Error('IDPSSODescriptor has no signing certificate (KeyDescriptor use="signing" X509Certificate)');
  const out: IdpDescriptor = { entityId: id, ssoUrl, certificates };
  const slo = children(sso, MD, 'SingleLogoutService').find((s) => s.getAttribute('Binding') === REDIRECT);
  if (slo !== undefined) {
    const url = slo.getAttribute('Location') ?? '';
    const responseUrl = slo.getAttribute('ResponseLocation') || url;
    if (!/^https?:\/\//.test(url) || !/^https?:\/\//.test(responseUrl)) throw new Error('IDPSSODescriptor SingleLogoutService (HTTP-Redirect) has no http(s) Location');
    out.slo = { url, responseUrl };
  }
  const want = sso.getAttribute('WantAuthnRequestsSigned');
  if (want === 'true' || want === '1') out.wantAuthnRequestsSigned = true;
  return out;
}
