import { randomBytes } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SamlRejected } from './saml-sp.js';

/**
 * The Single Logout protocol's two messages (saml-core §3.7): building ours, reading the IdP's. The
 * signature is the binding's business (saml-redirect.ts); here only the XML.
 */

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
export const STATUS_RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';
/** SessionIndex elements read from one LogoutRequest. */
const MAX_SESSION_INDEXES = 16;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** A message ID: an xs:ID (starts with a letter or _), 160 random bits. */
export const messageId = (): string => `_${randomBytes(20).toString('hex')}`;

/** Who is being logged out, as the IdP named them in the assertion (kept in the session cookie). */
export interface LogoutSubject {
  nameId: string;
  format?: string;
  nameQualifier?: string;
  spNameQualifier?: string;
  sessionIndex?: string;
}

export function logoutRequestXml(o: { id: string; now: number; ttlMs: number; destination: string; issuer: string; subject: LogoutSubject }): string {
  const s = o.subject;
  const attrs = (s.format !== undefined ? ` Format="${esc(s.format)}"` : '')
    + (s.nameQualifier !== undefined ? ` NameQualifier="${esc(s.nameQualifier)}"` : '')
    + (s.spNameQualifier !== undefined ? ` SPNameQualifier="${esc(s.spNameQualifier)}"` : '');
  return `<samlp:LogoutRequest xmlns:samlp="${PROTOCOL}" xmlns:saml="${ASSERTION}" ID="${o.id}" Version="2.0" IssueInstant="${iso(o.now)}" Destination="${esc(o.destination)}" NotOnOrAfter="${iso(o.now + o.ttlMs)}">`
    + `<saml:Issuer>${esc(o.issuer)}</saml:Issuer>`
    + `<saml:NameID${attrs}>${esc(s.nameId)}</saml:NameID>`
    + (s.sessionIndex !== undefined ? `<samlp:SessionIndex>${esc(s.sessionIndex)}</samlp:SessionIndex>` : '')
    + '</samlp:LogoutRequest>';
}

export function logoutResponseXml(o: { id: string; now: number; destination: string; issuer: string; inResponseTo: string; status: string }): string {
  return `<samlp:LogoutResponse xmlns:samlp="${PROTOCOL}" xmlns:saml="${ASSERTION}" ID="${o.id}" Version="2.0" IssueInstant="${iso(o.now)}" Destination="${esc(o.destination)}" InResponseTo="${esc(o.inResponseTo)}">`
    + `<saml:Issuer>${esc(o.issuer)}</saml:Issuer>`
    + `<samlp:Status><samlp:StatusCode Value="${esc(o.status)}"/></samlp:Status>`
    + '</samlp:LogoutResponse>';
}

/** What a LogoutRequest or LogoutResponse from the IdP says (not yet checked against anything). */
export interface LogoutMessage {
  kind: 'LogoutRequest' | 'LogoutResponse';
  id: string;
  issuer: string;
  /** ms since epoch */
  issueInstant: number;
  destination?: string;
  /** LogoutResponse */
  inResponseTo?: string;
  status?: string;
  /** LogoutRequest */
  notOnOrAfter?: number;
  subject?: LogoutSubject;
  sessionIndexes: string[];
}

function children(e: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = e.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) out.push(n as Element);
  }
  return out;
}

function one(e: Element, ns: string, local: string, what: string): Element {
  const c = children(e, ns, local);
  if (c.length !== 1) throw new SamlRejected('ERR_SAML_MALFORMED', `${what}: expected one ${local}, found ${c.length}`);
  return c[0]!;
}

function attr(e: Element, name: string): string | undefined {
  return e.hasAttribute(name) ? e.getAttribute(name)! : undefined;
}

function instant(v: string | undefined, what: string): number {
  const t = v === undefined ? NaN : Date.parse(v);
  if (!Number.isFinite(t)) throw new SamlRejected('ERR_SAML_MALFORMED', `${what} is missing or not a date`);
  return t;
}

/** Reads a LogoutRequest or LogoutResponse. No DTDs; `expect` is the message the binding parameter named. Throws SamlRejected. */
export function parseLogoutMessage(xml: string, expect: 'LogoutRequest' | 'LogoutResponse'): LogoutMessage {
  if (/<!DOCTYPE/i.test(xml)) throw new SamlRejected('ERR_SAML_MALFORMED', 'the message contains a DOCTYPE');
  const errors: string[] = [];
  let doc;
  try {
    doc = new DOMParser({ errorHandler: { error: (m: unknown) => errors.push(String(m)), fatalError: (m: unknown) => errors.push(String(m)) } }).parseFromString(xml, 'text/xml');
  } catch { errors.push('unparsable'); }
  const root = doc?.documentElement;
  if (errors.length > 0 || root === null || root === undefined) throw new SamlRejected('ERR_SAML_MALFORMED', 'the message is not well-formed XML');
  if (root.namespaceURI !== PROTOCOL || root.localName !== expect) throw new SamlRejected('ERR_SAML_MALFORMED', `expected a samlp:${expect}, got ${String(root.localName).slice(0, 50)}`);
  const id = attr(root, 'ID');
  if (id === undefined || id === '') throw new SamlRejected('ERR_SAML_MALFORMED', `${expect} has no ID`);
  if (attr(root, 'Version') !== '2.0') throw new SamlRejected('ERR_SAML_MALFORMED', `${expect} is not SAML 2.0`);
  const issuer = (one(root, ASSERTION, 'Issuer', expect).textContent ?? '').trim();
  const m: LogoutMessage = { kind: expect, id, issuer, issueInstant: instant(attr(root, 'IssueInstant'), 'IssueInstant'), sessionIndexes: [] };
  const destination = attr(root, 'Destination');
  if (destination !== undefined) m.destination = destination;
  if (expect === 'LogoutResponse') {
    m.inResponseTo = attr(root, 'InResponseTo');
    const status = one(one(root, PROTOCOL, 'Status', expect), PROTOCOL, 'StatusCode', 'Status');
    m.status = attr(status, 'Value') ?? '';
    return m;
  }
  const nna = attr(root, 'NotOnOrAfter');
  if (nna !== undefined) m.notOnOrAfter = instant(nna, 'NotOnOrAfter');
  if (children(root, ASSERTION, 'EncryptedID').length > 0) throw new SamlRejected('ERR_SAML_MALFORMED', 'an encrypted NameID (EncryptedID) is not supported');
  const nameId = one(root, ASSERTION, 'NameID', expect);
  const value = nameId.textContent ?? '';
  if (value === '') throw new SamlRejected('ERR_SAML_MALFORMED', 'the NameID is empty');
  m.subject = { nameId: value, format: attr(nameId, 'Format'), nameQualifier: attr(nameId, 'NameQualifier'), spNameQualifier: attr(nameId, 'SPNameQualifier') };
  const idx = children(root, PROTOCOL, 'SessionIndex');
  if (idx.length > MAX_SESSION_INDEXES) throw new SamlRejected('ERR_SAML_MALFORMED', `more than ${MAX_SESSION_INDEXES} SessionIndex elements`);
  m.sessionIndexes = idx.map((e) => e.textContent ?? '');
  return m;
}
