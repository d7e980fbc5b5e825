import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { errors, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { cacheMaxAge, fetchJson, HttpError } from './http-client.js';
import { keySetResolver } from './key-set.js';
import { identityMetrics } from './metrics.js';
import type { Clock } from './verifier.js';
import { timerMs } from '../common/timers.js';

export interface JwksOptions {
  timeoutMs: number;
  /** TTL when the response has no Cache-Control max-age. */
  defaultTtlMs: number;
  minTtlMs: number;
  maxTtlMs: number;
  /** At most one fetch per cooldown for an unknown kid (and between failed attempts on demand). */
  cooldownMs: number;
  /** The last good key set keeps serving this long after it was fetched while the endpoint is down. */
  maxStaleMs: number;
  maxBytes: number;
  maxKeys: number;
}

/** No usable key set: never fetched, or the last good one is older than maxStale. */
export class KeysUnavailableError extends Error {}

interface KeySet { resolve: JWTVerifyGetKey; fetchedAt: number; etag?: string; count: number; kids: ReadonlySet<string> }

/**
 * A remote JWKS: fetched with a deadline, cached, refreshed in the background before it expires
 * (Cache-Control max-age, clamped), fetched again on an unknown kid at most once per cooldown, and the
 * last good set keeps serving up to maxStale while the endpoint is down. Shared across config reloads
 * by reference count (JwksRegistry).
 */
export class RemoteJwks {
  private set?: KeySet;
  private inflight?: Promise<void>;
  private lastAttempt = -Infinity;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private stopped = true;
  lastError?: string;

  constructor(
    /** The JWKS URL, or a function resolving it (OIDC discovery). */
    private readonly url: string | (() => Promise<string>),
    private readonly o: JwksOptions,
    private readonly label: string,
    private readonly logger: Logger,
    private readonly clock: Clock = Date.now,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.set === undefined) void this.refresh().catch(() => undefined);
    else this.schedule(this.nextDelay());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  ready(): boolean {
    return this.set !== undefined && this.clock() - this.set.fetchedAt <= this.o.maxStaleMs;
  }

  keyCount(): number { return this.set?.count ?? 0; }

  /** jose key resolver: throws KeysUnavailableError or jose's JWKSNoMatchingKey. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    let set = this.usable();
    if (set === undefined) {
      await this.refreshOnDemand();
      set = this.usable();
      if (set === undefined) throw new KeysUnavailableError(this.lastError ?? 'no key set');
    }
    try {
      return await set.resolve(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      // unknown kid: the issuer may have rotated; fetch again, at most once per cooldown — or wait for the
      // fetch already on its way (a background refresh), which may bring the new key
      if (!this.mayRefetch()) throw err;
      await this.refreshOnDemand();
      const again = this.usable();
      if (again === undefined || again === set) throw err;
      return again.resolve(header, token);
    }
  };

  /**
   * After a signature failure: a token whose kid this set does not name was checked only against the
   * set's keys without kid (key-set.ts), so the issuer may have rotated in a key with that kid. Fetch
   * again (at most once per cooldown, as for an unknown kid) and say whether a new set arrived.
   */
  async refreshForUnknownKid(kid: unknown): Promise<boolean> {
    const set = this.usable();
    if (set === undefined || typeof kid !== 'string' || set.kids.has(kid)) return false;
    if (!this.mayRefetch()) return false;
    await this.refreshOnDemand();
    const again = this.usable();
    return again !== undefined && again !== set;
  }

  /** A fetch is in flight (join it; it is bounded by the fetch timeout) or the cooldown has passed. */
  private mayRefetch(): boolean {
    return this.inflight !== undefined || this.clock() - this.lastAttempt >= this.o.cooldownMs;
  }

  private usable(): KeySet | undefined {
    const s = this.set;
    return s !== undefined && this.clock() - s.fetchedAt <= this.o.maxStaleMs ? s : undefined;
  }

  private async refreshOnDemand(): Promise<void> {
    if (this.inflight === undefined && this.clock() - this.lastAttempt < this.o.cooldownMs) return;
    await this.refresh().catch(() => undefined);
  }

  /** One fetch at a time; concurrent callers share it. Rejects when the fetch fails. */
  refresh(): Promise<void> {
    this.inflight ??= this.fetchOnce().finally(() => { this.inflight = undefined; });
    return this.inflight;
  }

  private async fetchOnce(): Promise<void> {
    this.lastAttempt = this.clock();
    try {
      const url = typeof this.url === 'string' ? this.url : await this.url();
      const headers: Record<string, string> = {};
      if (this.set?.etag) headers['if-none-match'] = this.set.etag;
      const r = await fetchJson(url, { timeoutMs: this.o.timeoutMs, maxBytes: this.o.maxBytes, headers });
      const ttl = Math.min(this.o.maxTtlMs, Math.max(this.o.minTtlMs, (cacheMaxAge(r.headers) ?? this.o.defaultTtlMs / 1000) * 1000));
      if (r.status === 304 && this.set) {
        this.set = { ...this.set, fetchedAt: this.clock() };
        identityMetrics.jwksFetches.inc({ issuer: this.label, result: 'not_modified' });
      } else {
        if (r.status !== 200) throw new HttpError(`HTTP ${r.status}`, r.status);
        this.set = { ...this.parse(r.json), fetchedAt: this.clock(), etag: r.headers.get('etag') ?? undefined };
        identityMetrics.jwksFetches.inc({ issuer: this.label, result: 'ok' });
      }
      identityMetrics.jwksLastSuccess.set({ issuer: this.label }, this.clock() / 1000);
      this.failures = 0;
      this.lastError = undefined;
      this.schedule(ttl * 0.8);
    } catch (err) {
      this.failures++;
      this.lastError = (err as Error).message;
      identityMetrics.jwksFetches.inc({ issuer: this.label, result: 'error' });
      this.logger.warn({ issuer: this.label, err: this.lastError, failures: this.failures, serving_last_good: this.usable() !== undefined }, 'JWKS fetch failed');
      this.schedule(Math.min(60_000, 1000 * 2 ** Math.min(this.failures - 1, 6)));
      throw err;
    }
  }

  private parse(json: unknown): Omit<KeySet, 'fetchedAt' | 'etag'> {
    const keys = (json as { keys?: unknown } | undefined)?.keys;
    if (!Array.isArray(keys)) throw new Error('JWKS has no "keys" array');
    // symmetric keys never come from a JWKS; private parts are dropped, too many keys refused; a key whose
    // material is not a public key (junk modulus, missing coordinates) is skipped here, not at verification
    // time: a set of only such keys is a failed fetch and the last good set stays
    const usable = keys.filter((k): k is JWK => k !== null && typeof k === 'object' && typeof (k as JWK).kty === 'string' && (k as JWK).kty !== 'oct')
      .map(({ d, p, q, dp, dq, qi, k, ...pub }) => pub as JWK)
      .filter(isPublicKey);
    if (usable.length > this.o.maxKeys) throw new Error(`JWKS has ${usable.length} keys (max ${this.o.maxKeys})`);
    if (usable.length === 0) throw new Error('JWKS has no usable public keys');
    const kids = new Set(usable.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
    return { resolve: keySetResolver(usable), count: usable.length, kids };
  }

  private nextDelay(): number {
    return this.set ? Math.max(1000, this.o.defaultTtlMs * 0.8 - (this.clock() - this.set.fetchedAt)) : 0;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { void this.refresh().catch(() => undefined); }, timerMs(ms));
    this.timer.unref();
  }
}

/**
 * Whether node:crypto reads the JWK as a public key (EC, OKP with valid parameters), an RSA one with a
 * modulus jose verifies with (≥ 2048 bits) and a usable exponent (node takes `n: "AAAA"` or `e: ""`).
 */
function isPublicKey(jwk: JWK): boolean {
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    if (key.type !== 'public') return false;
    if (key.asymmetricKeyType !== 'rsa') return true;
    const d = key.asymmetricKeyDetails;
    return (d?.modulusLength ?? 0) >= 2048 && (d?.publicExponent ?? 0n) >= 3n;
  } catch {
    return false;
  }
}
