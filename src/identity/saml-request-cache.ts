import type { CacheItem, CacheProvider } from '@node-saml/node-saml';
import type { KvStore } from '../store/types.js';

const PREFIX = 'identity:saml:request:';
/** AuthnRequest IDs are ours (`_` + 40 hex); anything else in InResponseTo is never looked up. */
const ID = /^_[0-9a-f]{20,64}$/;

/**
 * The AuthnRequest IDs this SP has sent and not yet seen answered, in the shared store: the response to a
 * request sent by one replica may be posted to another. An ID lives `ttlMs` (how long a user may take at
 * the IdP) and is removed when a response to it is processed, so a response is accepted once.
 */
export class StoreRequestCache implements CacheProvider {
  constructor(private readonly store: KvStore, private readonly ttlMs: number) {}

  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    if (!ID.test(key)) return null;
    const created = await this.store.setNX(PREFIX + key, value, this.ttlMs);
    return created ? { value, createdAt: Date.now() } : null;
  }

  async getAsync(key: string): Promise<string | null> {
    if (typeof key !== 'string' || !ID.test(key)) return null;
    return this.store.get(PREFIX + key);
  }

  async removeAsync(key: string | null): Promise<string | null> {
    if (key === null || !ID.test(key)) return null;
    const v = await this.store.get(PREFIX + key);
    if (v !== null) await this.store.del(PREFIX + key);
    return v;
  }
}
