import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { ConfigError } from '../config/errors.js';
import { RSA_SHA256, RSA_SHA512, type RedirectSigner } from './saml-redirect.js';

/** `identity.saml.signing`: the SP's own key pair, for signed AuthnRequests and logout messages. */
export interface SigningConfig {
  key_file: string;
  certificate_file: string;
  algorithm?: 'rsa-sha256' | 'rsa-sha512';
}

/** The SP's signer and the certificate published in its metadata. */
export interface SpSigning extends RedirectSigner {
  /** PEM */
  certificate: string;
}

/**
 * Loads the SP signing key and certificate (PEM files). Errors name the JSON pointer and the file, never
 * the key's content or the crypto library's words about it.
 */
export function loadSigning(s: SigningConfig, read: (file: string, pointer: string) => string, P: string): SpSigning {
  const keyPem = read(s.key_file, `${P}/key_file`);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(keyPem) || /passphrase/i.test((err as Error).message);
    throw new ConfigError(`${P}/key_file`, encrypted
      ? `${s.key_file} is passphrase-protected: give Portcullis an unencrypted key (openssl pkey -in key.pem -out plain.pem), readable only by its user`
      : `${s.key_file} is not a PEM private key`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new ConfigError(`${P}/key_file`, `${s.key_file} is a ${key.asymmetricKeyType ?? 'unknown'} key: SAML redirect signatures here use RSA (rsa-sha256 / rsa-sha512)`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new ConfigError(`${P}/key_file`, `${s.key_file} is a ${bits}-bit RSA key: use at least 2048 bits`);
  const certPem = read(s.certificate_file, `${P}/certificate_file`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new ConfigError(`${P}/certificate_file`, `${s.certificate_file} is not a PEM X.509 certificate`);
  }
  if (!cert.checkPrivateKey(key)) throw new ConfigError(`${P}/certificate_file`, `${s.certificate_file} does not belong to the key in ${s.key_file}`);
  const sha512 = s.algorithm === 'rsa-sha512';
  return { alg: sha512 ? RSA_SHA512 : RSA_SHA256, hash: sha512 ? 'sha512' : 'sha256', key, certificate: cert.toString() };
}
