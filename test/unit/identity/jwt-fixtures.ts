import { createPublicKey, KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type CryptoKey, type JWK } from 'jose';
import { compileIssuer, type CompiledIssuer } from '../../../src/identity/issuer.js';
import type { IssuerConfig } from '../../../src/identity/config.js';
import { SharedRegistry } from '../../../src/identity/shared.js';
import { silent } from './helpers.js';

export const ISS = 'https://issuer.test';
export const AUD = 'api://orders';

export interface KeyPair { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK; pem: string; privateKeyObject: KeyObject }

export async function keyPair(alg: 'RS256' | 'ES256' | 'EdDSA', kid: string): Promise<KeyPair> {
  const kp = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(kp.publicKey)), kid, alg };
  const pem = createPublicKey({ key: jwk as any, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  return { ...kp, jwk, pem, privateKeyObject: KeyObject.from(kp.privateKey as any) };
}

export function b64(v: unknown): string {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
}

/** A signed token; claims default to a valid token for ISS/AUD at `nowS`. */
export async function sign(key: KeyPair, nowS: number, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const alg = (header.alg as string | undefined) ?? key.jwk.alg!;
  return new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', iat: nowS, exp: nowS + 600, roles: ['reader'], ...claims })
    .setProtectedHeader({ alg, kid: key.jwk.kid, ...header })
    .sign(key.privateKey);
}

export function issuer(cfg: Partial<IssuerConfig>, now: () => number, registry = new SharedRegistry()): CompiledIssuer {
  return compileIssuer({ name: 'test', issuer: ISS, audiences: [AUD], ...cfg } as IssuerConfig, '/identity/issuers/0',
    { dir: process.cwd(), registry, logger: silent, clock: now, defaultSkewS: 60 });
}
