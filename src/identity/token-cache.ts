import { LRUCache } from 'lru-cache';
import { identityMetrics } from './metrics.js';
import type { Clock, Verified } from './verifier.js';

interface Entry { verified: Verified; issuer: string; expiresAt: number }

/**
 * Verified tokens by SHA-256 of the token: spares repeated signature checks. Bounded (LRU); an entry
 * never outlives the token's exp (nor maxTtl). The token itself is never stored. Revocation is checked
 * on every hit by the identify stage, so a revoked token stops working even while cached.
 */
export class TokenCache {
  private readonly lru?: LRUCache<string, Entry>;

  constructor(maxEntries: number, private readonly maxTtlMs: number, private readonly clock: Clock, private readonly name = 'jwt') {
    if (maxEntries > 0) this.lru = new LRUCache<string, Entry>({ max: maxEntries });
  }

  get(key: string): Entry | undefined {
    if (this.lru === undefined) return undefined;
    const e = this.lru.get(key);
    if (e !== undefined && e.expiresAt > this.clock()) { identityMetrics.cache.inc({ cache: this.name, result: 'hit' }); return e; }
    if (e !== undefined) this.lru.delete(key);
    identityMetrics.cache.inc({ cache: this.name, result: 'miss' });
    return undefined;
  }

  /** expiresAt: ms since epoch when the credential stops being valid. */
  set(key: string, verified: Verified, issuer: string, expiresAt: number): void {
    if (this.lru === undefined) return;
    const now = this.clock();
    const until = Math.min(expiresAt, now + this.maxTtlMs);
    if (until <= now) return;
    this.lru.set(key, { verified, issuer, expiresAt: until }, { ttl: until - now });
  }

  delete(key: string): void { this.lru?.delete(key); }
  clear(): void { this.lru?.clear(); }
  get size(): number { return this.lru?.size ?? 0; }
}
