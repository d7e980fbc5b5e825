import { type KeyObject, sign, verify, X509Certificate } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { SamlRejected } from './saml-sp.js';

/**
 * The SAML 2.0 HTTP-Redirect binding (saml-bindings §3.4): a protocol message DEFLATEd, base64'd and put in
 * the query as SAMLRequest / SAMLResponse, with RelayState, and signed over the query itself (§3.4.4.1):
 * the signature covers the octets `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as they are URL-encoded in
 * the query. We sign the string we send; we verify the string as received (never re-encoded: two
 * encoders differ on characters such as `~`, `!` or a space).
 */

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512';
const RSA_SHA384 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
/** SigAlg URI → Node hash; RSA only (an ECDSA redirect signature has no agreed encoding between IdPs). */
const HASHES: Readonly<Record<string, string>> = { [RSA_SHA256]: 'sha256', [RSA_SHA384]: 'sha384', [RSA_SHA512]: 'sha512', [RSA_SHA1]: 'sha1' };

/** Longest query accepted at the SLO endpoint (Envoy's header limit is 60 KiB anyway). */
export const MAX_QUERY_CHARS = 32 * 1024;
/** Largest inflated message: a logout message is well under 4 KiB (and this bounds a DEFLATE bomb). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** RelayState is opaque to us and echoed back to the IdP: bounded. */
export const MAX_RELAY_STATE = 1024;

/** What signs our redirect messages: the SP key and its SigAlg. */
export interface RedirectSigner {
  /** SigAlg URI */
  alg: string;
  hash: string;
  key: KeyObject;
}

type Param = 'SAMLRequest' | 'SAMLResponse';

/**
 * RFC 3986 percent-encoding (everything but A-Z a-z 0-9 - . _ ~): a browser following the Location sends
 * the query byte for byte. encodeURIComponent alone leaves ! ' ( ) * raw, and browsers encode ' in a query
 * (WHATWG URL), which would change the octets the signature covers.
 */
const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The URL that carries `xml` to `target` (an IdP endpoint, whose own query is kept), signed when `signer` is given. */
export function redirectUrl(target: string, param: Param, xml: string, relayState: string | undefined, signer: RedirectSigner | undefined): string {
  let q = `${param}=${enc(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
  if (relayState !== undefined && relayState !== '') q += `&RelayState=${enc(relayState)}`;
  if (signer !== undefined) {
    q += `&SigAlg=${enc(signer.alg)}`;
    q += `&Signature=${enc(sign(signer.hash, Buffer.from(q, 'utf8'), signer.key).toString('base64'))}`;
  }
  const base = target.split('#')[0]!;
  return `${base}${base.includes('?') ? '&' : '?'}${q}`;
}

/** A message received with the redirect binding whose signature verified against one of the IdP's keys. */
export interface RedirectMessage {
  param: Param;
  xml: string;
  relayState?: string;
}

/** The IdP's signing keys, from its certificates (PEM), made once. */
export function publicKeysOf(certificates: readonly string[]): KeyObject[] {
  return certificates.map((pem) => new X509Certificate(pem).publicKey);
}

/**
 * Reads and verifies a redirect-binding query. The signature is required (an unsigned logout message could
 * come from anyone) and must be by one of `keys`; SHA-1 only with `allowSha1`. Throws SamlRejected.
 */
export function readRedirect(rawQuery: string, keys: readonly KeyObject[], allowSha1: boolean): RedirectMessage {
  if (rawQuery.length > MAX_QUERY_CHARS) throw new SamlRejected('ERR_SAML_MALFORMED', 'query too long');
  const raw = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (name !== 'SAMLRequest' && name !== 'SAMLResponse' && name !== 'RelayState' && name !== 'SigAlg' && name !== 'Signature') continue;
    if (raw.has(name)) throw new SamlRejected('ERR_SAML_MALFORMED', `${name} appears more than once`);
    raw.set(name, eq < 0 ? '' : part.slice(eq + 1));
  }
  const param: Param | undefined = raw.has('SAMLRequest') ? (raw.has('SAMLResponse') ? undefined : 'SAMLRequest') : raw.has('SAMLResponse') ? 'SAMLResponse' : undefined;
  if (param === undefined) throw new SamlRejected('ERR_SAML_MALFORMED', 'exactly one of SAMLRequest, SAMLResponse is needed');
  const sigAlg = raw.get('SigAlg');
  const signature = raw.get('Signature');
  if (sigAlg === undefined || signature === undefined) throw new SamlRejected('ERR_SAML_SIGNATURE', 'the message is not signed (SigAlg and Signature are required)');
  const alg = decode(sigAlg);
  const hash = HASHES[alg ?? ''];
  if (hash === undefined) throw new SamlRejected('ERR_SAML_SIGNATURE', `unsupported SigAlg ${String(alg).slice(0, 100)}`);
  if (hash === 'sha1' && !allowSha1) throw new SamlRejected('ERR_SAML_SIGNATURE', 'weak SigAlg rsa-sha1 (set identity.saml.allow_sha1 to accept SHA-1 from a legacy IdP)');
  const relayRaw = raw.get('RelayState');
  const signed = Buffer.from(`${param}=${raw.get(param)}${relayRaw !== undefined ? `&RelayState=${relayRaw}` : ''}&SigAlg=${sigAlg}`, 'utf8');
  const sig = Buffer.from(decode(signature) ?? '', 'base64');
  if (sig.length === 0 || !keys.some((k) => verifies(hash, signed, k, sig))) throw new SamlRejected('ERR_SAML_SIGNATURE', 'the redirect signature does not verify with the IdP\'s certificates');
  const b64 = decode(raw.get(param)!);
  if (b64 === undefined || b64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new SamlRejected('ERR_SAML_MALFORMED', `${param} is empty or not base64`);
  let xml: string;
  try {
    xml = inflateRawSync(Buffer.from(b64, 'base64'), { maxOutputLength: MAX_MESSAGE_BYTES }).toString('utf8');
  } catch {
    throw new SamlRejected('ERR_SAML_MALFORMED', `${param} is not DEFLATE data or inflates past ${MAX_MESSAGE_BYTES} bytes`);
  }
  const relayState = relayRaw === undefined ? undefined : decodeForm(relayRaw);
  if (relayState === undefined && relayRaw !== undefined) throw new SamlRejected('ERR_SAML_MALFORMED', 'RelayState is not URL-encoded');
  if (relayState !== undefined && relayState.length > MAX_RELAY_STATE) throw new SamlRejected('ERR_SAML_MALFORMED', 'RelayState too long');
  return { param, xml, ...(relayState !== undefined && relayState !== '' ? { relayState } : {}) };
}

function verifies(hash: string, data: Buffer, key: KeyObject, sig: Buffer): boolean {
  try { return verify(hash, data, key, sig); } catch { return false; }
}

/** Percent-decoding; a raw '+' stays '+' (it is base64, not a space). */
function decode(v: string): string | undefined {
  try { return decodeURIComponent(v); } catch { return undefined; }
}

/** application/x-www-form-urlencoded decoding ('+' is a space). */
function decodeForm(v: string): string | undefined {
  return decode(v.replace(/\+/g, '%20'));
}
