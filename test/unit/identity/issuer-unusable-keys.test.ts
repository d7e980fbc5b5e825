import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/errors.js';
import { issuer } from './jwt-fixtures.js';

// Keys a config names but no token could ever use are config errors, not tokens that fail later.
describe('issuer keys that could never verify a token', () => {
  const now = () => Date.now();
  const rsaJwk = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
  const secret = randomBytes(32).toString('hex');

  it('an RSA key under 2048 bits (jose refuses to verify with it: every token was ERR_JWT_SIGNATURE)', () => {
    assert.throws(() => issuer({ keys: [{ jwk: rsaJwk(1024) as any }] }, now),
      (e: unknown) => e instanceof ConfigError && e.path === '/identity/issuers/0/keys/0/jwk' && /a 1024-bit RSA key: RS\*\/PS\* keys need at least 2048 bits/.test(e.message));
    assert.doesNotThrow(() => issuer({ keys: [{ jwk: rsaJwk(2048) as any }] }, now));
  });

  it('shared secrets beside a public key with no HS* algorithm allowed (the default list is asymmetric only)', () => {
    assert.throws(() => issuer({ keys: [{ jwk: rsaJwk(2048) as any }, { secret }] }, now),
      (e: unknown) => e instanceof ConfigError && e.path === '/identity/issuers/0' && /shared secrets .* no HS\* algorithm is allowed/.test(e.message));
    assert.throws(() => issuer({ keys: [{ jwk: rsaJwk(2048) as any }, { secret }], algorithms: ['RS256'] }, now),
      (e: unknown) => e instanceof ConfigError && e.path === '/identity/issuers/0/algorithms' && /the issuer has shared secrets/.test(e.message));
    assert.doesNotThrow(() => issuer({ keys: [{ jwk: rsaJwk(2048) as any }, { secret }], algorithms: ['RS256', 'HS256'] }, now));
    assert.doesNotThrow(() => issuer({ keys: [{ secret }] }, now));
  });
});
