import { createPublicKey, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { readReferencedFile } from '../config/referenced-files.js';
import type { SignatureKeyConfig } from './config.js';

export interface SigningKey {
  id: string;
  algorithm: 'hmac-sha256' | 'ed25519';
  secret?: Buffer;
  publicKey?: KeyObject;
  subject: string;
  roles: string[];
  plan?: string;
}

/** "base64:…" decodes to bytes; anything else is the UTF-8 bytes of the string. */
export function secretBytes(s: string): Buffer {
  return s.startsWith('base64:') ? Buffer.from(s.slice(7), 'base64') : Buffer.from(s, 'utf8');
}

function read(dir: string, file: string, pointer: string): string {
  try { return readReferencedFile(resolve(dir, file)); } catch (err) {
    throw new ConfigError(pointer, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function compileSigningKeys(keys: readonly SignatureKeyConfig[], dir: string, pointer: string): Map<string, SigningKey> {
  const out = new Map<string, SigningKey>();
  keys.forEach((k, i) => {
    const p = `${pointer}/${i}`;
    if (out.has(k.id)) throw new ConfigError(`${p}/id`, `duplicate key id "${k.id}"`);
    const key: SigningKey = { id: k.id, algorithm: k.algorithm, subject: k.subject ?? k.id, roles: k.roles ?? [], plan: k.plan };
    if (k.algorithm === 'hmac-sha256') {
      if ((k.secret === undefined) === (k.secret_file === undefined)) throw new ConfigError(p, 'hmac-sha256 needs exactly one of secret, secret_file');
      if (k.public_key !== undefined || k.public_key_file !== undefined) throw new ConfigError(p, 'hmac-sha256 keys take a secret, not a public key');
      key.secret = secretBytes(k.secret ?? read(dir, k.secret_file!, `${p}/secret_file`).trim());
      if (key.secret.length < 32) throw new ConfigError(p, 'an hmac-sha256 secret must be at least 32 bytes');
    } else {
      if ((k.public_key === undefined) === (k.public_key_file === undefined)) throw new ConfigError(p, 'ed25519 needs exactly one of public_key, public_key_file');
      if (k.secret !== undefined || k.secret_file !== undefined) throw new ConfigError(p, 'ed25519 keys take a public key, not a secret');
      const pem = k.public_key ?? read(dir, k.public_key_file!, `${p}/public_key_file`);
      try { key.publicKey = createPublicKey(pem); } catch (err) { throw new ConfigError(p, `not a PEM public key: ${(err as Error).message}`); }
      if (key.publicKey.asymmetricKeyType !== 'ed25519') throw new ConfigError(p, `expected an ed25519 key, got ${key.publicKey.asymmetricKeyType}`);
    }
    out.set(k.id, key);
  });
  return out;
}
