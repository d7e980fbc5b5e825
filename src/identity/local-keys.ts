import { createPublicKey, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { readReferencedFile } from '../config/referenced-files.js';
import type { LocalKeyConfig } from './config.js';

export interface LocalKeys {
  /** Public keys as JWKs (for jose's local key set). */
  publicJwks: Array<Record<string, unknown>>;
  /** HS* secrets by kid ('' when the key has no kid). */
  secrets: Map<string, Secret>;
}

/** An HS* secret; `alg` (an oct JWK's) limits it to that algorithm, as jwt_verify_lib and jose do. */
export interface Secret { key: Uint8Array; alg?: string }

function readConfigFile(dir: string, file: string, pointer: string): string {
  try {
    return readReferencedFile(resolve(dir, file));
  } catch (err) {
    throw new ConfigError(pointer, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function publicJwk(key: KeyObject, pointer: string): Record<string, unknown> {
  if (!['rsa', 'rsa-pss', 'ec', 'ed25519'].includes(key.asymmetricKeyType ?? '')) {
    throw new ConfigError(pointer, `unsupported key type ${key.asymmetricKeyType}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'ed25519' && (bits ?? 0) < 2048) {
    // jose verifies RS*/PS* only with 2048 bits or more: every token would fail as a bad signature
    throw new ConfigError(pointer, `a ${bits ?? 0}-bit RSA key: RS*/PS* keys need at least 2048 bits`);
  }
  return key.export({ format: 'jwk' }) as Record<string, unknown>;
}

/** A key read from config text: a public key as a JWK, or an HS* secret (an `oct` JWK). */
type Parsed = { jwk: Record<string, unknown> } | { secret: Secret; kid?: string };

/** An `oct` JWK's key bytes (RFC 7518 §6.4: `k` is base64url); at least 256 bits for HS* (RFC 7518 §3.2). */
function octSecret(jwk: Record<string, unknown>, pointer: string, i: number): Uint8Array {
  const k = jwk.k;
  const bytes = typeof k === 'string' ? Buffer.from(k, 'base64url') : undefined;
  // Buffer.from skips characters outside the alphabet: the key must read back to the same text
  if (bytes === undefined || bytes.toString('base64url') !== k) throw new ConfigError(pointer, `key ${i}: an oct JWK needs "k" in base64url`);
  if (bytes.length < 32) throw new ConfigError(pointer, `key ${i}: an HS* secret must be at least 32 bytes`);
  return new Uint8Array(bytes);
}

function fromText(text: string, pointer: string): Parsed[] {
  const t = text.trim();
  if (t.startsWith('{')) {
    let doc: any;
    try { doc = JSON.parse(t); } catch { throw new ConfigError(pointer, 'not valid JSON (expected a JWK or a JWKS)'); }
    const list: unknown[] = Array.isArray(doc?.keys) ? doc.keys : [doc];
    return list.map((k, i): Parsed => {
      if (k === null || typeof k !== 'object' || Array.isArray(k)) throw new ConfigError(pointer, `key ${i}: not a JWK`);
      const jwk = k as Record<string, unknown>;
      // an HS* shared secret, as Envoy jwt_authn's local_jwks carries one
      if (jwk.kty === 'oct') return { secret: { key: octSecret(jwk, pointer, i), ...(typeof jwk.alg === 'string' ? { alg: jwk.alg } : {}) }, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined };
      try {
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
        const ko = createPublicKey({ key: pub as any, format: 'jwk' });
        return { jwk: { ...publicJwk(ko, pointer), ...(pub.kid ? { kid: pub.kid } : {}), ...(pub.alg ? { alg: pub.alg } : {}) } };
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw new ConfigError(pointer, `key ${i}: invalid JWK: ${(err as Error).message}`);
      }
    });
  }
  try {
    // SPKI public key, a certificate, or a private key (only its public half is kept)
    return [{ jwk: publicJwk(createPublicKey(t), pointer) }];
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(pointer, `not a PEM public key or certificate: ${(err as Error).message}`);
  }
}

/** Load an issuer's local keys (files resolved against the config folder). Throws ConfigError. */
export function loadLocalKeys(keys: readonly LocalKeyConfig[], jwksFile: string | undefined, dir: string, pointer: string): LocalKeys {
  const out: LocalKeys = { publicJwks: [], secrets: new Map() };
  const addSecret = (kid: string, secret: Secret, p: string): void => {
    if (out.secrets.has(kid)) throw new ConfigError(p, kid ? `duplicate kid "${kid}"` : 'several secrets without kid');
    out.secrets.set(kid, secret);
  };
  const add = (parsed: Parsed[], kid: string | undefined, p: string): void => {
    for (const e of parsed) {
      if ('secret' in e) addSecret(kid ?? e.kid ?? '', e.secret, p);
      else out.publicJwks.push(kid !== undefined ? { ...e.jwk, kid } : e.jwk);
    }
  };
  if (jwksFile !== undefined) add(fromText(readConfigFile(dir, jwksFile, `${pointer}/jwks_file`), `${pointer}/jwks_file`), undefined, `${pointer}/jwks_file`);
  keys.forEach((k, i) => {
    const p = `${pointer}/keys/${i}`;
    const given = ['file', 'pem', 'jwk', 'secret', 'secret_file'].filter((f) => (k as Record<string, unknown>)[f] !== undefined);
    if (given.length !== 1) throw new ConfigError(p, 'set exactly one of file, pem, jwk, secret, secret_file');
    if (k.secret !== undefined || k.secret_file !== undefined) {
      const s = k.secret ?? readConfigFile(dir, k.secret_file!, `${p}/secret_file`).trim();
      if (Buffer.byteLength(s) < 32) throw new ConfigError(p, 'an HS* secret must be at least 32 bytes');
      addSecret(k.kid ?? '', { key: new Uint8Array(Buffer.from(s, 'utf8')) }, p);
      return;
    }
    const parsed = k.jwk !== undefined ? fromText(JSON.stringify(k.jwk), `${p}/jwk`)
      : k.pem !== undefined ? fromText(k.pem, `${p}/pem`) : fromText(readConfigFile(dir, k.file!, `${p}/file`), `${p}/file`);
    add(parsed, k.kid, p);
  });
  return out;
}
