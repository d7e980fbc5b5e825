import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { KvStore } from '../store/types.js';
import { parseRecord, type KeyRecord } from './api-key-format.js';
import { identityMetrics } from './metrics.js';
import { backoffMs, subscribeWithRetry } from './retry.js';
import type { SharedResource } from './shared.js';
import type { Clock } from './verifier.js';
import { timerMs } from '../common/timers.js';

export const API_KEYS_CHANNEL = 'identity:apikeys';

/** Hashed keys by hash hex. Replaced whole on every successful load. */
export type KeyRing = ReadonlyMap<string, KeyRecord>;

/** Build a ring, checking duplicates and the rotation rule (at most N usable keys per owner). */
export function buildRing(records: Array<{ rec: KeyRecord; where: string }>, maxActivePerOwner: number, now: number): KeyRing {
  const ring = new Map<string, KeyRecord>();
  const active = new Map<string, string[]>();
  for (const { rec, where } of records) {
    if (ring.has(rec.hash)) throw new Error(`${where}: duplicate key hash`);
    ring.set(rec.hash, rec);
    if (!rec.disabled && (rec.expires === undefined || rec.expires > now)) {
      const list = active.get(rec.owner) ?? [];
      list.push(where);
      active.set(rec.owner, list);
    }
  }
  for (const [owner, wheres] of active) {
    if (wheres.length > maxActivePerOwner) {
      throw new Error(`owner "${owner}" has ${wheres.length} usable keys (${wheres.join(', ')}); at most ${maxActivePerOwner} may be valid at once (disable or expire the old one)`);
    }
  }
  return ring;
}

/** Parse a JSON-lines key file ('#' comments and blank lines allowed). Throws naming file:line. */
export function parseKeyFile(text: string, file: string, maxActivePerOwner: number, now: number): KeyRing {
  const records: Array<{ rec: KeyRecord; where: string }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${file}:${i + 1}`;
    let raw: unknown;
    try { raw = JSON.parse(line); } catch { throw new Error(`${where}: not valid JSON`); }
    try { records.push({ rec: parseRecord(raw), where }); } catch (err) { throw new Error(`${where}: ${(err as Error).message}`); }
  }
  return buildRing(records, maxActivePerOwner, now);
}

/**
 * Where the hashed keys live: a file (re-read when its mtime changes) or a store hash (re-read every
 * refresh period and when `portcullis apikey` publishes a change). A failed load keeps the last good set.
 */
export class ApiKeySource implements SharedResource {
  private ring?: KeyRing;
  private mtimeMs = 0;
  private timer?: NodeJS.Timeout;
  private loading?: Promise<void>;
  private subscription?: { stop(): void };
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private lastAttempt = -Infinity;
  private started = false;
  private again?: Promise<void>;

  constructor(
    private readonly where: { file: string } | { hash: string; store: KvStore },
    private readonly refreshMs: number,
    private readonly maxActivePerOwner: number,
    private readonly logger: Logger,
    private readonly clock: Clock = Date.now,
  ) {}

  /** File sources load synchronously at config load (errors are config errors). */
  loadFileNow(): void {
    if (!('file' in this.where)) return;
    const st = statSync(this.where.file);
    this.ring = parseKeyFile(readFileSync(this.where.file, 'utf8'), this.where.file, this.maxActivePerOwner, this.clock());
    this.mtimeMs = st.mtimeMs;
    identityMetrics.apiKeys.set(this.ring.size);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    if ('hash' in this.where) {
      this.subscription = subscribeWithRetry(this.where.store, API_KEYS_CHANNEL, () => void this.load(), this.logger, () => void this.load());
      void this.load();
    }
    this.timer = setInterval(() => void this.load(), timerMs(this.refreshMs));
    this.timer.unref();
  }

  stop(): void {
    this.started = false;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.subscription?.stop();
  }

  ready(): boolean { return this.ring !== undefined; }

  get(hashHex: string): KeyRecord | undefined { return this.ring?.get(hashHex); }

  /** The hash of the one loaded key whose id (hash prefix) is `id`. */
  findById(id: string): string | undefined {
    if (!/^[0-9a-f]{8,64}$/.test(id)) return undefined;
    let found: string | undefined;
    for (const h of this.ring?.keys() ?? []) {
      if (!h.startsWith(id)) continue;
      if (found !== undefined) return undefined;
      found = h;
    }
    return found;
  }

  /** The current ring, waiting for a first load in flight. */
  async whenLoaded(): Promise<KeyRing | undefined> {
    if (this.ring === undefined) {
      if (this.loading) await this.loading;
      else if (Date.now() - this.lastAttempt >= 250) await this.load(); // at most one attempt per 250 ms from requests
    }
    return this.ring;
  }

  /**
   * Read the keys again. A call while a load is in flight queues one more load after it (shared by every
   * such call): the load in flight may have read the store before the change that prompted this call.
   */
  load(): Promise<void> {
    if (this.loading !== undefined) {
      const next = (): Promise<void> => { this.again = undefined; return this.load(); };
      this.again ??= this.loading.then(next, next);
      return this.again;
    }
    this.loading = this.loadOnce().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  private async loadOnce(): Promise<void> {
    this.lastAttempt = Date.now();
    try {
      if ('file' in this.where) {
        const st = statSync(this.where.file);
        if (st.mtimeMs === this.mtimeMs && this.ring !== undefined) return;
        this.loadFileNow();
      } else {
        const all = await this.where.store.hgetall(this.where.hash);
        const records: Array<{ rec: KeyRecord; where: string }> = [];
        for (const [field, value] of Object.entries(all)) {
          const where = `${this.where.hash}[${field.slice(0, 19)}…]`;
          let raw: unknown;
          try { raw = JSON.parse(value); } catch { throw new Error(`${where}: not valid JSON`); }
          try { records.push({ rec: parseRecord(raw, field), where }); } catch (err) { throw new Error(`${where}: ${(err as Error).message}`); }
        }
        this.ring = buildRing(records, this.maxActivePerOwner, this.clock());
        identityMetrics.apiKeys.set(this.ring.size);
      }
      identityMetrics.apiKeyLoads.inc({ result: 'ok' });
      this.failures = 0;
    } catch (err) {
      identityMetrics.apiKeyLoads.inc({ result: 'error' });
      this.logger.error({ err: (err as Error).message, keeping_last_good: this.ring !== undefined }, 'API key load failed');
      if (this.ring === undefined && this.started) {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void this.load(), timerMs(backoffMs(this.failures++, this.refreshMs)));
        this.retryTimer.unref();
      }
    }
  }
}
