import type { Logger } from 'pino';
import type { KvStore } from '../store/types.js';
import { identityMetrics } from './metrics.js';
import { backoffMs, subscribeWithRetry } from './retry.js';
import type { SharedResource } from './shared.js';
import type { Clock, Verified } from './verifier.js';
import { timerMs } from '../common/timers.js';

export const REVOCATIONS_KEY = 'identity:revocations';
export const REVOCATIONS_CHANNEL = 'identity:revocations';

export type Revocation =
  | { type: 'jti'; jti: string; until: number }
  | { type: 'key'; keyHash: string; until: number | null }
  | { type: 'sub'; subject: string; issuer?: string; before: number; until: number };

interface Message { op: 'add' | 'del'; field: string; value?: string }

/** Hash field of a revocation: its identity, so revoking twice overwrites. */
export function fieldOf(r: Revocation): string {
  switch (r.type) {
    case 'jti': return `jti:${r.jti}`;
    case 'key': return `key:${r.keyHash}`;
    case 'sub': return `sub:${JSON.stringify([r.issuer ?? '', r.subject])}`;
  }
}

function parseEntry(field: string, value: string): Revocation | undefined {
  try {
    const v = JSON.parse(value) as { until?: number | null; before?: number };
    if (field.startsWith('jti:') && typeof v.until === 'number') return { type: 'jti', jti: field.slice(4), until: v.until };
    if (field.startsWith('key:')) return { type: 'key', keyHash: field.slice(4), until: typeof v.until === 'number' ? v.until : null };
    if (field.startsWith('sub:') && typeof v.before === 'number' && typeof v.until === 'number') {
      const [issuer, subject] = JSON.parse(field.slice(4)) as [string, string];
      if (typeof issuer === 'string' && typeof subject === 'string') return { type: 'sub', subject, issuer: issuer || undefined, before: v.before, until: v.until };
    }
  } catch { /* ignored below */ }
  return undefined;
}

function valueOf(r: Revocation): string {
  return r.type === 'sub' ? JSON.stringify({ before: r.before, until: r.until }) : JSON.stringify({ until: r.until });
}

interface Maps {
  jti: Map<string, number>;
  keys: Map<string, number>;
  /** `${issuer}\n${subject}` ('' issuer: every issuer) → { before, until } */
  subs: Map<string, { before: number; until: number }>;
}

const emptyMaps = (): Maps => ({ jti: new Map(), keys: new Map(), subs: new Map() });

/**
 * Revoked credentials: stored in the shared store (one hash; each entry carries its expiry and is pruned
 * after it), mirrored in memory on every replica so a Check never waits on the store. A revocation is
 * written, then published: every replica applies it within milliseconds (pub/sub) and re-reads the
 * whole list every sync period, which also repairs messages missed while disconnected.
 */
export class RevocationList implements SharedResource {
  private maps: Maps = emptyMaps();
  private synced = false;
  private syncing?: Promise<boolean>;
  private again?: Promise<boolean>;
  private duringSync: Message[] | undefined;
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private lastAttempt = -Infinity;
  private subscription?: { stop(): void };
  private started = false;

  constructor(
    private readonly store: KvStore,
    private readonly syncMs: number,
    private readonly logger: Logger,
    private readonly clock: Clock = Date.now,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    // once subscribed, read the list again: anything published before the subscription is in the store
    this.subscription = subscribeWithRetry(this.store, REVOCATIONS_CHANNEL, (m) => this.onMessage(m), this.logger, () => void this.sync());
    void this.sync();
    this.timer = setInterval(() => void this.sync(), timerMs(this.syncMs));
    this.timer.unref();
  }

  stop(): void {
    this.started = false;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.subscription?.stop();
  }

  ready(): boolean { return this.synced; }

  /** Resolves true once the list has been loaded at least once (waits for a load in flight). */
  async whenSynced(): Promise<boolean> {
    if (this.synced) return true;
    if (this.syncing) return this.syncing;
    // while the store is down, requests do not each hammer it: at most one attempt per 250 ms
    if (Date.now() - this.lastAttempt < 250) return false;
    return this.sync();
  }

  /** Re-read the whole list from the store. Never throws. */
  sync(): Promise<boolean> {
    if (this.syncing !== undefined) {
      // the load in flight may have read the store before the change that prompted this call: one more after it
      const next = (): Promise<boolean> => { this.again = undefined; return this.sync(); };
      this.again ??= this.syncing.then(next, next);
      return this.again;
    }
    this.syncing = this.load().finally(() => { this.syncing = undefined; });
    return this.syncing;
  }

  private async load(): Promise<boolean> {
    this.lastAttempt = Date.now();
    this.duringSync = [];
    try {
      const all = await this.store.hgetall(REVOCATIONS_KEY);
      const now = this.clock();
      const maps = emptyMaps();
      const expired: string[] = [];
      for (const [field, value] of Object.entries(all)) {
        const r = parseEntry(field, value);
        if (r === undefined || (r.until !== null && r.until <= now)) { expired.push(field); continue; }
        apply(maps, r);
      }
      for (const m of this.duringSync) this.applyMessage(maps, m);
      this.maps = maps;
      this.synced = true;
      this.failures = 0;
      this.gauge();
      identityMetrics.revocationSync.inc({ result: 'ok' });
      if (expired.length > 0) await this.store.hdel(REVOCATIONS_KEY, ...expired).catch(() => undefined);
      return true;
    } catch (err) {
      identityMetrics.revocationSync.inc({ result: 'error' });
      this.logger.warn({ err: (err as Error).message, synced_before: this.synced }, 'revocation list load failed');
      if (!this.synced && this.started) {
        // never loaded yet: retry soon rather than after a whole sync period
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void this.sync(), timerMs(backoffMs(this.failures++, this.syncMs)));
        this.retryTimer.unref();
      }
      return this.synced;
    } finally {
      this.duringSync = undefined;
    }
  }

  private onMessage(raw: string): void {
    let m: Message;
    try {
      m = JSON.parse(raw) as Message;
      if ((m.op !== 'add' && m.op !== 'del') || typeof m.field !== 'string') throw new Error('bad shape');
    } catch {
      this.logger.warn('ignoring a malformed revocation message');
      return;
    }
    this.applyMessage(this.maps, m);
    this.duringSync?.push(m);
    this.gauge();
  }

  private applyMessage(maps: Maps, m: Message): void {
    if (m.op === 'del') {
      const r = parseEntry(m.field, m.value ?? '{"until":0,"before":0}');
      if (r !== undefined) remove(maps, r);
      return;
    }
    const r = m.value !== undefined ? parseEntry(m.field, m.value) : undefined;
    if (r !== undefined) apply(maps, r);
  }

  private gauge(): void {
    identityMetrics.revocations.set({ type: 'jti' }, this.maps.jti.size);
    identityMetrics.revocations.set({ type: 'key' }, this.maps.keys.size);
    identityMetrics.revocations.set({ type: 'sub' }, this.maps.subs.size);
  }

  /** True when the verified credential has been revoked. O(1), no I/O. */
  isRevoked(v: Verified): boolean {
    const now = this.clock();
    const { jti, keys, subs } = this.maps;
    if (v.jti !== undefined && jti.size > 0) {
      const until = jti.get(v.jti);
      if (until !== undefined && until > now) return true;
    }
    if (v.keyHash !== undefined && keys.size > 0) {
      const until = keys.get(v.keyHash);
      if (until !== undefined && until > now) return true;
    }
    if (subs.size > 0 && v.identity.kind !== 'signature' && v.identity.kind !== 'mtls') {
      for (const k of [`${v.identity.issuer ?? ''}\n${v.identity.subject}`, `\n${v.identity.subject}`]) {
        const s = subs.get(k);
        // a credential without an issue time cannot prove it is newer: revoked
        if (s !== undefined && s.until > now && (v.issuedAtMs === undefined || v.issuedAtMs < s.before)) return true;
      }
    }
    return false;
  }

  /** Write a revocation and tell every replica. Throws StoreUnavailableError. */
  async revoke(r: Revocation): Promise<void> {
    const field = fieldOf(r);
    const value = valueOf(r);
    await this.store.hset(REVOCATIONS_KEY, field, value);
    apply(this.maps, r);
    this.gauge();
    await this.store.publish(REVOCATIONS_CHANNEL, JSON.stringify({ op: 'add', field, value } satisfies Message));
  }

  async unrevoke(r: Revocation): Promise<void> {
    const field = fieldOf(r);
    await this.store.hdel(REVOCATIONS_KEY, field);
    remove(this.maps, r);
    this.gauge();
    await this.store.publish(REVOCATIONS_CHANNEL, JSON.stringify({ op: 'del', field, value: valueOf(r) } satisfies Message));
  }

  /** Current entries (no secrets: API keys appear as their hash). */
  list(): Revocation[] {
    const now = this.clock();
    const out: Revocation[] = [];
    for (const [jti, until] of this.maps.jti) if (until > now) out.push({ type: 'jti', jti, until });
    for (const [keyHash, until] of this.maps.keys) if (until > now) out.push({ type: 'key', keyHash, until: Number.isFinite(until) ? until : null });
    for (const [k, s] of this.maps.subs) {
      if (s.until <= now) continue;
      const i = k.indexOf('\n');
      out.push({ type: 'sub', issuer: k.slice(0, i) || undefined, subject: k.slice(i + 1), before: s.before, until: s.until });
    }
    return out;
  }
}

function apply(m: Maps, r: Revocation): void {
  if (r.type === 'jti') m.jti.set(r.jti, r.until);
  else if (r.type === 'key') m.keys.set(r.keyHash, r.until ?? Infinity);
  else {
    const k = `${r.issuer ?? ''}\n${r.subject}`;
    const prev = m.subs.get(k);
    m.subs.set(k, { before: Math.max(prev?.before ?? 0, r.before), until: Math.max(prev?.until ?? 0, r.until) });
  }
}

function remove(m: Maps, r: Revocation): void {
  if (r.type === 'jti') m.jti.delete(r.jti);
  else if (r.type === 'key') m.keys.delete(r.keyHash);
  else m.subs.delete(`${r.issuer ?? ''}\n${r.subject}`);
}
