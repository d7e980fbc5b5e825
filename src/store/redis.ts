import { Redis, Cluster } from 'ioredis';
import type { Logger } from 'pino';
import { scanHash } from './hash-scan.js';
import { StoreUnavailableError, type KvStore } from './types.js';

export interface RedisStoreOptions {
  /** redis://host:port/db (single) */
  url?: string;
  /** host:port seeds (cluster) */
  cluster?: string[];
  /** Deadline of every command, ms. */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  keyPrefix: string;
  password?: string;
}

/** Redis (single or Cluster) behind KvStore. Commands fail fast while disconnected (no offline queue). */
export class RedisStore implements KvStore {
  readonly kind: 'redis' | 'cluster';
  readonly redis: Redis | Cluster;
  private sub?: Redis | Cluster;
  private readonly handlers = new Map<string, Set<(m: string) => void>>();
  /** Per channel: what to run once the subscription is back after the subscriber's connection was lost. */
  private readonly resubscribed = new Map<string, Set<() => void>>();
  private subWasReady = false;

  constructor(private readonly opts: RedisStoreOptions, private readonly logger: Logger) {
    const common = {
      commandTimeout: opts.commandTimeoutMs,
      connectTimeout: opts.connectTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      password: opts.password,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    };
    if (opts.cluster && opts.cluster.length > 0) {
      this.kind = 'cluster';
      this.redis = new Cluster(opts.cluster.map(parseHostPort), {
        redisOptions: common, enableOfflineQueue: false, clusterRetryStrategy: common.retryStrategy,
        slotsRefreshTimeout: Math.max(1000, opts.connectTimeoutMs),
      });
    } else {
      this.kind = 'redis';
      this.redis = new Redis(opts.url ?? 'redis://127.0.0.1:6379', common);
    }
    this.redis.on('error', (err: Error) => this.logger.warn({ err: err.message, store: this.kind }, 'redis error'));
  }

  private k(key: string): string { return this.opts.keyPrefix + key; }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new StoreUnavailableError(`redis: ${(err as Error).message}`);
    }
  }

  get(key: string) { return this.call(() => this.redis.get(this.k(key))); }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.call(() => (ttlMs ? this.redis.set(this.k(key), value, 'PX', Math.max(1, Math.ceil(ttlMs))) : this.redis.set(this.k(key), value)));
  }

  async setNX(key: string, value: string, ttlMs: number): Promise<boolean> {
    const r = await this.call(() => this.redis.set(this.k(key), value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
    return r === 'OK';
  }

  async del(key: string): Promise<void> { await this.call(() => this.redis.del(this.k(key))); }
  pttl(key: string) { return this.call(() => this.redis.pttl(this.k(key))); }
  /** In HSCAN batches (hash-scan.ts): a big hash is many small replies, each under the command deadline. */
  hgetall(key: string) { return this.call(() => scanHash(this.redis, this.k(key))); }
  async hset(key: string, field: string, value: string): Promise<void> { await this.call(() => this.redis.hset(this.k(key), field, value)); }
  async hdel(key: string, ...fields: string[]): Promise<void> {
    if (fields.length > 0) await this.call(() => this.redis.hdel(this.k(key), ...fields));
  }
  async publish(channel: string, message: string): Promise<void> { await this.call(() => this.redis.publish(this.k(channel), message)); }

  async subscribe(channel: string, handler: (message: string) => void, onResubscribed?: () => void): Promise<() => Promise<void>> {
    const full = this.k(channel);
    if (this.sub === undefined) {
      // A dedicated connection: a subscribed connection cannot run other commands. It keeps its
      // subscriptions across reconnects (ioredis resubscribes by itself).
      // the subscriber queues its SUBSCRIBE until connected (the command connection never queues)
      // and its commands (SUBSCRIBE, which waits for the connection) get the connect deadline, not the Check
      // path's command deadline (25 ms by default), which a start keeping the event loop busy overran
      const commandTimeout = Math.max(this.opts.commandTimeoutMs, this.opts.connectTimeoutMs);
      this.sub = this.redis instanceof Cluster
        ? this.redis.duplicate(undefined, { enableOfflineQueue: true, redisOptions: { ...this.redis.options.redisOptions, commandTimeout } })
        : this.redis.duplicate({ enableOfflineQueue: true, commandTimeout });
      this.sub.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'redis subscriber error'));
      this.sub.on('message', (ch: string, msg: string) => { for (const h of this.handlers.get(ch) ?? []) h(msg); });
      this.sub.on('ready', () => this.onSubscriberReady());
    }
    let set = this.handlers.get(full);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(full, set);
      try {
        await this.sub.subscribe(full);
      } catch (err) {
        // forget the channel so a retry sends SUBSCRIBE again (otherwise it would never be subscribed)
        this.handlers.delete(full);
        throw err;
      }
    }
    set.add(handler);
    if (onResubscribed !== undefined) {
      let r = this.resubscribed.get(full);
      if (r === undefined) { r = new Set(); this.resubscribed.set(full, r); }
      r.add(onResubscribed);
    }
    return async () => {
      set!.delete(handler);
      if (onResubscribed !== undefined) this.resubscribed.get(full)?.delete(onResubscribed);
      if (set!.size === 0) { this.handlers.delete(full); this.resubscribed.delete(full); await this.sub?.unsubscribe(full).catch(() => undefined); }
    };
  }

  /**
   * The subscriber connected again after losing its connection (a Redis restart, a killed client, a network
   * cut): ioredis re-subscribed by itself, but what was published meanwhile is gone. Once our SUBSCRIBE is
   * answered (sent after ioredis's own, on the same connection: the subscription is in place) every channel's
   * `onResubscribed` runs, so a re-read started then cannot miss a change. Without this a replica served what
   * it missed until its next periodic sync, or for a lifted ban until the ban's expiry.
   */
  private onSubscriberReady(): void {
    if (!this.subWasReady) { this.subWasReady = true; return; }
    const channels = [...this.handlers.keys()];
    if (channels.length === 0) return;
    this.sub!.subscribe(...channels).then(() => {
      for (const ch of channels) {
        for (const f of this.resubscribed.get(ch) ?? []) {
          try { f(); } catch (err) { this.logger.warn({ err: (err as Error).message, channel: ch }, 'resubscribe handler failed'); }
        }
      }
    }, (err: Error) => this.logger.warn({ err: err.message }, 'redis subscriber: re-subscribing failed; retried at the next reconnect'));
  }

  ready(): boolean { return this.redis.status === 'ready'; }

  async close(): Promise<void> {
    this.sub?.disconnect();
    this.redis.disconnect();
  }
}

export function parseHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}
