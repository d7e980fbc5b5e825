/**
 * Shared state every replica sees: bans, nonces, revocations, policy data. Counters for rate limits
 * live behind the ratelimit module's own interface but use the same connection (`redis`).
 * Every call has a deadline; a call that misses it rejects with StoreUnavailableError.
 */
export interface KvStore {
  readonly kind: 'memory' | 'redis' | 'cluster';
  get(key: string): Promise<string | null>;
  /** ttlMs omitted: no expiry. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** SET NX PX: true when the key was created (first use of a nonce). */
  setNX(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Remaining ms to live; -1 no expiry; -2 missing. */
  pttl(key: string): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  hset(key: string, field: string, value: string): Promise<void>;
  /** Remove fields from a hash (missing fields are ignored). */
  hdel(key: string, ...fields: string[]): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  /**
   * Returns an unsubscribe function. Handlers run for every replica's publish, including ours. Pub/sub keeps
   * nothing for a disconnected subscriber: `onResubscribed` runs once the subscription is back after the
   * subscriber's connection was lost (anything published meanwhile was missed): the caller re-reads what the
   * channel announces changes of.
   */
  subscribe(channel: string, handler: (message: string) => void, onResubscribed?: () => void): Promise<() => Promise<void>>;
  /** True while connected (always for memory). */
  ready(): boolean;
  close(): Promise<void>;
  /** The ioredis client (Redis or Cluster) for modules that run Lua (ratelimit); absent for memory. */
  readonly redis?: import('ioredis').Redis | import('ioredis').Cluster;
}

export class StoreUnavailableError extends Error {
  readonly code = 'ERR_STORE_UNAVAILABLE';
}
