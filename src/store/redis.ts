import { Redis, Cluster } from 'ioredis';
import type { Logger } from 'pino';
import { CircuitBreaker, type BreakerState } from '../common/circuit-breaker.js';
import { counter } from '../telemetry/metrics.js';
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

const breakerTransitions = counter('portcullis_store_breaker_transitions_total',
  'State changes of the shared store\'s circuit breaker (bans, nonces, SAML IDs, revocations, API keys, policy data): open after consecutive command timeouts', ['to'] as const);

/**
 * The breaker opens when commands have been timing out for STORE_HUNG_MS with nothing read on the connection
 * in between (no reply to anything: a late reply or another command's reply is a Redis that answers), and stays
 * open openMs before one probe. Only timeouts count: a reply (even an error such as OOM or READONLY) or a
 * refused write to a closed connection leaves nothing waiting. Counting timeouts in a row instead would open it
 * at an event-loop stall (a GC pause) longer than the command deadline: every command in flight times out at
 * once, and 1 s of refusals would follow a 30 ms pause.
 */
export const STORE_HUNG_MS = 1000;
export const STORE_BREAKER = { failures: 1, openMs: 1000 } as const;
/** A command timeout that fires this much later than its deadline was delayed by a stalled event loop. */
const LATE_TIMEOUT_MS = 250;
/** The longest wait between two reconnects on READONLY, and the quiet time after which the next is at once. */
export const READONLY_BACKOFF_MAX_MS = 10_000;
const READONLY_RESET_MS = 60_000;

/**
 * Redis (single or Cluster) behind KvStore. Commands fail fast while disconnected (no offline queue), and
 * (single Redis) while the breaker is open: a Redis that stops answering with its connection open (a stopped process, a
 * paused VM, a path that drops packets) keeps every command sent in the client's queue until it answers or
 * the connection dies (minutes), ~1.4 KB each, one per Check, and then runs all of them. Once commands have
 * timed out for STORE_HUNG_MS with no reply, calls fail at once without being sent; one probe goes out every
 * STORE_BREAKER.openMs and the first answer closes the breaker.
 */
export class RedisStore implements KvStore {
  readonly kind: 'redis' | 'cluster';
  readonly redis: Redis | Cluster;
  private sub?: Redis | Cluster;
  private readonly handlers = new Map<string, Set<(m: string) => void>>();
  /** Per channel: what to run once the subscription is back after the subscriber's connection was lost. */
  private readonly resubscribed = new Map<string, Set<() => void>>();
  private subWasReady = false;
  /** Cluster: the subscriber connection last seen, and the timer that also looks for a move between node events. */
  private clusterSubscriber?: object;
  private clusterCheck?: NodeJS.Timeout;
  /**
   * Single Redis only. A Cluster node that stops answering leaves the slot table at its failover (or, without
   * replicas, stays the owner of its slots): one breaker for the whole cluster would fail every call to the
   * healthy nodes with it, as the calls to the hung node time out.
   */
  readonly breaker?: CircuitBreaker;
  /** When the first command still unanswered by a timeout was sent (undefined: Redis answered since). */
  private silentSince?: number;
  /**
   * The connection and its byte count when silentSince's command was sent. Any byte read since (a late reply
   * to a timed-out call, a rate-limit counter's reply on the same connection) means Redis answered: it was
   * not silent, whatever timed out (an event-loop stall delays the reading, not Redis).
   */
  private silentRead?: ReadPoint;
  private lastTimeout = 0;
  /** READONLY reconnects in a row (each within READONLY_RESET_MS of the one before), and when the last was. */
  private readonlyStreak = 0;
  private lastReadonlyReconnect = -Infinity;

  constructor(private readonly opts: RedisStoreOptions, private readonly logger: Logger, private readonly clock: () => number = Date.now) {
    if (!(opts.cluster && opts.cluster.length > 0)) {
      this.breaker = new CircuitBreaker(STORE_BREAKER, clock, (to: BreakerState) => {
        breakerTransitions.inc({ to });
        if (to === 'open') this.logger.warn({ store: this.kind }, 'redis: commands time out; failing store calls at once, probing every second');
        else if (to === 'closed') this.logger.info({ store: this.kind }, 'redis: answering again');
      });
    }
    const common = {
      commandTimeout: opts.commandTimeoutMs,
      connectTimeout: opts.connectTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      password: opts.password,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      // READONLY: the server is a replica now (a failover moved the primary's address to a promoted replica,
      // and this connection still leads to the old primary): connect again, to where the address leads now.
      // Otherwise every write (counters, nonces, bans) failed until the connection happened to break.
      reconnectOnError: (err: Error) => err.message.startsWith('READONLY') && this.readonlyReconnectDue(),
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

  /**
   * Whether a READONLY answer reconnects now. The first at once (a failover: the address leads to the new
   * primary); while the address still leads to a replica (a DNS name within its TTL, a read endpoint
   * configured by mistake) after 1 s, 2 s, 4 s … READONLY_BACKOFF_MAX_MS. Reconnecting at every READONLY
   * reconnected at every write (~10 a second: the retry delay), and the reads sent meanwhile (ban lookups)
   * all failed, where a replica would have answered them.
   */
  private readonlyReconnectDue(): boolean {
    const now = this.clock();
    if (now - this.lastReadonlyReconnect >= READONLY_RESET_MS) this.readonlyStreak = 0;
    const wait = this.readonlyStreak === 0 ? 0 : Math.min(READONLY_BACKOFF_MAX_MS, 1000 * 2 ** (this.readonlyStreak - 1));
    if (now - this.lastReadonlyReconnect < wait) return false;
    this.readonlyStreak++;
    this.lastReadonlyReconnect = now;
    this.logger.warn({ store: this.kind, attempt: this.readonlyStreak }, 'redis answered READONLY (this address leads to a replica): reconnecting');
    return true;
  }

  private k(key: string): string { return this.opts.keyPrefix + key; }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    const breaker = this.breaker;
    if (breaker !== undefined && !breaker.allow()) throw new StoreUnavailableError('redis: not answering (circuit breaker open)');
    const sent = this.clock();
    const read = breaker !== undefined ? this.readPoint() : undefined;
    try {
      const r = await fn();
      this.answered(breaker);
      return r;
    } catch (err) {
      const message = (err as Error).message;
      if (breaker !== undefined && /timed out/i.test(message)) {
        // no reply since this command was sent: Redis has been silent at least since then. A timeout long after
        // the last one starts again (in between nothing was asked, or its late replies went unseen), and so does
        // one after any byte was read on the connection (Redis answered meanwhile: a late reply read after a
        // stall, another command's reply; two stalls under a second apart opened the breaker on a healthy Redis)
        const t = this.clock();
        // a timeout that fired long after its deadline: the event loop was stalled (an inline bundle activation,
        // a long GC), not Redis silent — its reply may be waiting unread. It says nothing of Redis, so it does
        // not count (else every stall past STORE_HUNG_MS was followed by a second of refused store calls)
        if (!breaker.isOpen() && t - sent > this.opts.commandTimeoutMs + LATE_TIMEOUT_MS) throw new StoreUnavailableError(`redis: ${message}`);
        if (this.silentSince === undefined || t - this.lastTimeout > STORE_HUNG_MS || this.heardSince(this.silentRead)) {
          this.silentSince = sent;
          this.silentRead = read;
        }
        this.lastTimeout = t;
        // a probe that times out opens the breaker again at once
        if (breaker.isOpen() || t - this.silentSince >= STORE_HUNG_MS) breaker.failure();
      } else {
        this.answered(breaker); // answered, or refused at once: nothing left waiting
      }
      throw new StoreUnavailableError(`redis: ${message}`);
    }
  }

  /** Where the single Redis connection's reading stands (undefined while it has no socket). */
  private readPoint(): ReadPoint | undefined {
    const stream = (this.redis as Redis).stream as { bytesRead?: number } | undefined;
    return stream !== undefined && typeof stream.bytesRead === 'number' ? { stream, bytes: stream.bytesRead } : undefined;
  }

  /** Has anything been read on the connection since `p` (or is it another connection now)? */
  private heardSince(p: ReadPoint | undefined): boolean {
    const now = this.readPoint();
    return p === undefined || now === undefined || now.stream !== p.stream || now.bytes !== p.bytes;
  }

  private answered(breaker: CircuitBreaker | undefined): void {
    if (breaker === undefined) return;
    this.silentSince = undefined;
    breaker.success();
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
      if (this.sub instanceof Cluster) {
        // A Cluster subscribes through one node; when that node goes, ioredis moves the subscription to another
        // node silently (no event). Node events come with it (the pool's connection to the dead node errors,
        // slots are refreshed): at each, a subscriber connection other than the last one seen means a move.
        const cluster = this.sub;
        const check = (): void => {
          const now = currentSubscriber(cluster);
          if (now === undefined || now === null || now === this.clusterSubscriber) return;
          const moved = this.clusterSubscriber !== undefined;
          this.clusterSubscriber = now;
          if (moved) this.resubscribeAll();
        };
        for (const e of ['node error', '+node', '-node', 'refresh']) cluster.on(e, check);
        this.clusterCheck = setInterval(check, 1000);
        this.clusterCheck.unref();
      }
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
    if (this.sub instanceof Cluster) this.clusterSubscriber ??= currentSubscriber(this.sub) ?? undefined;
    if (!this.subWasReady) { this.subWasReady = true; return; }
    this.resubscribeAll();
  }

  private resubscribeAll(): void {
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
    clearInterval(this.clusterCheck);
    this.sub?.disconnect();
    this.redis.disconnect();
  }
}

/**
 * The connection a Cluster subscribes through now. Not in ioredis's typings (ClusterSubscriber, ioredis 5):
 * undefined when that changes, and then a move of the subscription goes unnoticed as before (the periodic
 * re-reads still repair revocations, API keys and policy data).
 */
function currentSubscriber(c: Cluster): object | null | undefined {
  const s = (c as unknown as { subscriber?: { getInstance?: () => object | null } }).subscriber;
  return typeof s?.getInstance === 'function' ? s.getInstance() : undefined;
}

interface ReadPoint { stream: object; bytes: number }

export function parseHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}
