import { createHmac, randomBytes, sign as edSign, type KeyObject } from 'node:crypto';
import { serializeDictionary, serializeInnerList, type InnerList } from 'structured-headers';
import { contentDigest } from './content-digest.js';
import { normalizeAuthority, signatureBase, type SignedMessage } from './signature-base.js';

export interface SignRequestOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  keyId: string;
  algorithm: 'hmac-sha256' | 'ed25519';
  /** hmac-sha256: the shared secret bytes; ed25519: the private key. */
  key: Buffer | KeyObject;
  components?: string[];
  created?: number;
  nonce?: string;
  label?: string;
  /** Put alg= in the parameters (default true). */
  includeAlg?: boolean;
}

/**
 * Sign a request (RFC 9421) the way Portcullis verifies it: returns the headers to add —
 * Signature-Input, Signature and, when there is a body, Content-Digest (RFC 9530, sha-256).
 */
export function signRequest(o: SignRequestOptions): Record<string, string> {
  const u = new URL(o.url);
  const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body, 'utf8');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = v;
  const out: Record<string, string> = {};
  const components = [...(o.components ?? ['@method', '@authority', '@path', '@query'])];
  if (body !== undefined && body.length > 0) {
    out['content-digest'] = headers['content-digest'] = contentDigest(body);
    if (!components.includes('content-digest')) components.push('content-digest');
  }
  const scheme = u.protocol.replace(/:$/, '');
  const msg: SignedMessage = {
    method: o.method.toUpperCase(), scheme, authority: normalizeAuthority(u.host, scheme),
    path: u.pathname, query: u.search.replace(/^\?/, ''), headers,
  };
  const params = new Map<string, string | number>();
  params.set('created', o.created ?? Math.floor(Date.now() / 1000));
  params.set('keyid', o.keyId);
  params.set('nonce', o.nonce ?? randomBytes(16).toString('base64url'));
  if (o.includeAlg ?? true) params.set('alg', o.algorithm);
  const list: InnerList = [components.map((c) => [c, new Map()]), params];
  const base = Buffer.from(signatureBase(msg, list), 'utf8');
  const sig = o.algorithm === 'hmac-sha256'
    ? createHmac('sha256', o.key as Buffer).update(base).digest()
    : edSign(null, base, o.key as KeyObject);
  const label = o.label ?? 'sig1';
  out['signature-input'] = `${label}=${serializeInnerList(list)}`;
  out.signature = serializeDictionary(new Map([[label, [sig, new Map()]]]));
  return out;
}
