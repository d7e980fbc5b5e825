import {
  X509Certificate, constants, createHmac, createPublicKey, timingSafeEqual, verify as cryptoVerify, type KeyObject,
} from 'node:crypto';
import { evalClock } from './time-builtins.js';

/**
 * OPA's io.jwt.* verification builtins, implemented synchronously with node:crypto (the Wasm ABI calls
 * builtins synchronously). Semantics follow OPA's topdown implementation: decode_verify returns
 * [false, {}, {}] for any invalid token and throws (→ undefined) only for bad constraints.
 */

interface Decoded { header: Record<string, unknown>; payload: Record<string, unknown>; signature: Buffer; signingInput: string }

function b64urlJson(part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new TypeError(`JWT ${what} is not base64url`);
  const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`JWT ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function decode(jwt: unknown): Decoded {
  if (typeof jwt !== 'string') throw new TypeError('JWT must be a string');
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new TypeError('JWT must have three parts');
  if (!/^[A-Za-z0-9_-]*$/.test(parts[2]!)) throw new TypeError('JWT signature is not base64url');
  return {
    header: b64urlJson(parts[0]!, 'header'),
    payload: b64urlJson(parts[1]!, 'payload'),
    signature: Buffer.from(parts[2]!, 'base64url'),
    signingInput: `${parts[0]}.${parts[1]}`,
  };
}

const HASH: Record<string, string> = {
  HS256: 'sha256', HS384: 'sha384', HS512: 'sha512', RS256: 'sha256', RS384: 'sha384', RS512: 'sha512',
  PS256: 'sha256', PS384: 'sha384', PS512: 'sha512', ES256: 'sha256', ES384: 'sha384', ES512: 'sha512',
};

const MAX_KEYS = 32;
const keyCache = new Map<string, KeyObject[]>();

/** PEM certificate / public key, a JWK or a JWK set → public keys (cached: policies pass the same text every time). */
function publicKeys(cert: string): KeyObject[] {
  const hit = keyCache.get(cert);
  if (hit) return hit;
  let keys: KeyObject[];
  const t = cert.trim();
  if (t.startsWith('{')) {
    const j = JSON.parse(t);
    const list: unknown[] = Array.isArray(j.keys) ? j.keys : [j];
    keys = list.map((k) => createPublicKey({ key: k as any, format: 'jwk' }));
  } else if (t.includes('BEGIN CERTIFICATE')) {
    keys = [new X509Certificate(t).publicKey];
  } else {
    keys = [createPublicKey(t)];
  }
  if (keyCache.size >= MAX_KEYS) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(cert, keys);
  return keys;
}

function hmacOk(alg: string, secret: string, d: Decoded): boolean {
  const mac = createHmac(HASH[alg]!, secret).update(d.signingInput).digest();
  return mac.length === d.signature.length && timingSafeEqual(mac, d.signature);
}

function asymmetricOk(alg: string, key: KeyObject, d: Decoded): boolean {
  const data = Buffer.from(d.signingInput);
  try {
    if (alg === 'EdDSA') return key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448' ? cryptoVerify(null, data, key, d.signature) : false;
    const hash = HASH[alg];
    if (!hash) return false;
    if (alg.startsWith('RS')) return key.asymmetricKeyType === 'rsa' && cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, d.signature);
    if (alg.startsWith('PS')) {
      return (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') &&
        cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, d.signature);
    }
    if (alg.startsWith('ES')) return key.asymmetricKeyType === 'ec' && cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, d.signature);
  } catch {
    return false;
  }
  return false;
}

function signatureOk(d: Decoded, alg: string, c: { cert?: string; secret?: string }): boolean {
  if (alg.startsWith('HS')) return c.secret !== undefined && HASH[alg] !== undefined && hmacOk(alg, c.secret, d);
  if (c.cert === undefined) return false;
  return publicKeys(c.cert).some((k) => asymmetricOk(alg, k, d));
}

const CONSTRAINTS = new Set(['cert', 'secret', 'alg', 'iss', 'aud', 'time']);

function decodeVerify(jwt: unknown, constraints: unknown): [boolean, Record<string, unknown>, Record<string, unknown>] {
  if (constraints === null || typeof constraints !== 'object' || Array.isArray(constraints)) throw new TypeError('constraints must be an object');
  const c = constraints as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!CONSTRAINTS.has(k)) throw new TypeError(`unknown JWT constraint "${k}"`);
  if ((c.cert === undefined) === (c.secret === undefined)) throw new TypeError('exactly one of cert and secret is required');
  if (c.cert !== undefined && typeof c.cert !== 'string') throw new TypeError('cert must be a string');
  if (c.secret !== undefined && typeof c.secret !== 'string') throw new TypeError('secret must be a string');
  const invalid: [boolean, Record<string, unknown>, Record<string, unknown>] = [false, {}, {}];
  let d: Decoded;
  try { d = decode(jwt); } catch { return invalid; }
  const alg = d.header.alg;
  if (typeof alg !== 'string' || alg === 'none') return invalid;
  if (c.alg !== undefined && c.alg !== alg) return invalid;
  let ok: boolean;
  try { ok = signatureOk(d, alg, c as { cert?: string; secret?: string }); } catch { ok = false; }
  if (!ok) return invalid;
  const p = d.payload;
  const nowSec = (typeof c.time === 'number' ? c.time : evalClock.nowNs) / 1e9;
  if (p.exp !== undefined && (typeof p.exp !== 'number' || nowSec >= p.exp)) return invalid;
  if (p.nbf !== undefined && (typeof p.nbf !== 'number' || nowSec < p.nbf)) return invalid;
  if (c.iss !== undefined && p.iss !== c.iss) return invalid;
  if (p.aud !== undefined) {
    const auds = Array.isArray(p.aud) ? p.aud : [p.aud];
    if (c.aud === undefined || !auds.includes(c.aud)) return invalid;
  } else if (c.aud !== undefined) return invalid;
  return [true, d.header, p];
}

function verifyWith(alg: string) {
  return (jwt: unknown, key: unknown): boolean => {
    if (typeof key !== 'string') throw new TypeError('key must be a string');
    let d: Decoded;
    try { d = decode(jwt); } catch { return false; }
    if (d.header.alg !== undefined && d.header.alg !== alg) return false;
    try { return signatureOk(d, alg, alg.startsWith('HS') ? { secret: key } : { cert: key }); } catch { return false; }
  };
}

export const jwtBuiltins: Record<string, (...args: any[]) => unknown> = {
  'io.jwt.decode': (jwt: unknown) => { const d = decode(jwt); return [d.header, d.payload, d.signature.toString('hex')]; },
  'io.jwt.decode_verify': decodeVerify,
};
for (const alg of ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
  jwtBuiltins[`io.jwt.verify_${alg.toLowerCase()}`] = verifyWith(alg);
}
