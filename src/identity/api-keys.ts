import { timingSafeEqual } from 'node:crypto';
import type { RequestContext } from '../pipeline/context.js';
import { hashKey, keyId } from './api-key-format.js';
import type { ApiKeySource } from './api-key-store.js';
import { AuthFailure, fail } from './failure.js';
import type { FoundToken, TokenSources } from './token-source.js';
import type { Clock, CredentialVerifier, Verified, VerifyOutcome } from './verifier.js';

const PRINTABLE = /^[\x21-\x7e]{8,512}$/;

/**
 * API keys from a header or query parameter. The presented key is hashed (SHA-256) and looked up by
 * hash, then the stored digest is compared in constant time; lookup timing depends only on the hash of
 * the attacker's own input, never on stored keys.
 */
export class ApiKeyVerifier implements CredentialVerifier<FoundToken> {
  readonly kind = 'api_key' as const;

  constructor(private readonly sources: TokenSources, private readonly keys: ApiKeySource, private readonly clock: Clock) {}

  extract(ctx: RequestContext): FoundToken | AuthFailure | undefined {
    const found = this.sources.extract(ctx);
    return found === 'ambiguous' ? fail('api_key', 'ERR_TOKEN_AMBIGUOUS') : found;
  }

  verify(_ctx: RequestContext, found: FoundToken): VerifyOutcome | Promise<VerifyOutcome> {
    if (!PRINTABLE.test(found.token)) return fail('api_key', 'ERR_API_KEY_MALFORMED');
    if (!this.keys.ready()) return this.keys.whenLoaded().then((ring) => ring === undefined ? fail('api_key', 'ERR_API_KEYS_UNAVAILABLE') : this.check(found.token));
    return this.check(found.token);
  }

  private check(key: string): VerifyOutcome {
    const hash = hashKey(key);
    const rec = this.keys.get(hash);
    if (rec === undefined || !timingSafeEqual(Buffer.from(rec.hash, 'hex'), Buffer.from(hash, 'hex'))) return fail('api_key', 'ERR_API_KEY_INVALID');
    if (rec.disabled) return fail('api_key', 'ERR_API_KEY_DISABLED');
    if (rec.expires !== undefined && rec.expires <= this.clock()) return fail('api_key', 'ERR_API_KEY_EXPIRED');
    const id = keyId(hash);
    const v: Verified = {
      identity: {
        kind: 'api_key', subject: rec.owner, roles: rec.roles, plan: rec.plan,
        claims: { sub: rec.owner, key_id: id, roles: rec.roles, ...(rec.plan ? { plan: rec.plan } : {}), ...(rec.name ? { key_name: rec.name } : {}) },
      },
      keyHash: hash,
      issuedAtMs: rec.created,
    };
    return v;
  }
}
