import { createPublicKey, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { readReferencedFile } from '../config/referenced-files.js';
import type { LocalKeyConfig } from './config.js';

export interface LocalKeys {
  /** Public keys as JWKs (for jose's local key set). */
  publicJwks: Array<Record<string, unknown>>;
  /** HS* secrets by kid ('' when the key has no kid). */
  secrets: Map<string, Uint8Array>;
}

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
  return key.export({ format: 'jwk' }) as Record<string, unknown>;
}

function fromText(text: string, pointer: string): Array<Record<string, unknown>> {
  const t = text.trim();
  if (t.startsWith('{')) {
    let doc: any;
    try { doc = JSON.parse(t); } catch { throw new ConfigError(pointer, 'not valid JSON (expected a JWK or a JWKS)'); }
    const list: unknown[] = Array.isArray(doc?.keys) ? doc.keys : [doc];
    return list.map((k, i) => {
      if (k === null || typeof k !== 'object' || (k as any).kty === 'oct') throw new ConfigError(pointer, `key ${i}: not an asymmetric JWK (use secret: for HS* keys)`);
      try {
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = k as Record<string, unknown>;
        const ko = createPublicKey({ key: pub as any, format: 'jwk' });
        return { ...publicJwk(ko, pointer), ...(pub.kid ? { kid: pub.kid } : {}), ...(pub.alg ? { alg: pub.alg } : {}) };
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw new ConfigError(pointer, `key ${i}: invalid JWK: ${(err as Error).message}`);
      }
    });
  }
  try {
    // SPKI public key, a certificate, or a private key (only its public half is kept)
    return [publicJwk(createPublicKey(t), pointer)];
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(pointer, `not a PEM public key or certificate: ${(err as Error).message}`);
  }
}

/** Load an issuer's local keys (files resolved against the config folder). Throws ConfigError. */
export function loadLocalKeys(keys: readonly LocalKeyConfig[], jwksFile: string | undefined, dir: string, pointer: string): LocalKeys {
  const out: LocalKeys = { publicJwks: [], secrets: new Map() };
  if (jwksFile !== undefined) out.publicJwks.push(...fromText(readConfigFile(dir, jwksFile, `${pointer}/jwks_file`), `${pointer}/jwks_file`));
  keys.forEach((k, i) => {
    const p = `${pointer}/keys/${i}`;
    const given = ['file', 'pem', 'jwk', 'secret', 'secret_file'].filter((f) => (k as Record<string, unknown>)[f] !== undefined);
    if (given.length !== 1) throw new ConfigError(p, 'set exactly one of file, pem, jwk, secret, secret_file');
    if (k.secret !== undefined || k.secret_file !== undefined) {
      const s = k.secret ?? readConfigFile(dir, k.secret_file!, `${p}/secret_file`).trim();
      if (Buffer.byteLength(s) < 32) throw new ConfigError(p, 'an HS* secret must be at least 32 bytes');
      const kid = k.kid ?? '';
      if (out.secrets.has(kid)) throw new ConfigError(p, kid ? `duplicate kid "${kid}"` : 'several secrets without kid');
      out.secrets.set(kid, new Uint8Array(Buffer.from(s, 'utf8')));
      return;
    }
    const jwks = k.jwk !== undefined ? fromText(JSON.stringify(k.jwk), `${p}/jwk`)
      : k.pem !== undefined ? fromText(k.pem, `${p}/pem`) : fromText(readConfigFile(dir, k.file!, `${p}/file`), `${p}/file`);
    for (const j of jwks) out.publicJwks.push(k.kid !== undefined ? { ...j, kid: k.kid } : j);
  });
  return out;
}
