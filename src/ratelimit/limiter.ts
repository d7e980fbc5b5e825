import { finish, plan } from './algorithms/index.js';
import { rlMetrics, ruleMetrics } from './metrics.js';
import type { NearCache } from './near-cache.js';
import type { Offenders } from './offenders.js';
import type { Hit, Verdict } from './rule.js';
import type { MemoryCounterStore } from './store/memory.js';
import { FIXED, StoreFailure, type CommitMode, type CounterOp, type CounterStore, type RawResult } from './store/types.js';
import { fixedWindow, periodMs } from './units.js';

export interface LimiterParts {
  /** The shared store: Redis behind a deadline and breaker, or memory for a single instance. */
  store: CounterStore;
  /** Local buckets for limits with failure_mode local while the shared store is away. */
  local: MemoryCounterStore;
  nearCache: NearCache;
  offenders: Offenders;
  /** envoyproxy/ratelimit NEAR_LIMIT_RATIO (0.8). */
  nearLimitRatio: number;
  /** "domain": one hash tag per domain (one script call per decision); "key": one per counter. */
  hashTag: 'domain' | 'key';
  clock: () => number;
  /** Called with every StoreFailure (for logs, rate-limited by the caller). */
  onStoreFailure?: (err: StoreFailure) => void;
}

/**
 * The one limiter behind ShouldRateLimit and the Check limit phase: near cache → one store call for all of
 * a decision's counters → verdicts, with the failure modes applied when the store cannot answer, and the
 * metrics and top-offenders view updated. Returns synchronously when no I/O is needed (memory store,
 * near-cache hits).
 */
export class Limiter {
  constructor(readonly parts: LimiterParts) {}

  decide(hits: Hit[], mode: CommitMode): Verdict[] | Promise<Verdict[]> {
    const p = this.parts;
    const now = p.clock();
    const n = hits.length;
    const verdicts: Verdict[] = new Array(n);
    const ops: CounterOp[] = [];
    const pending: number[] = [];
    let blocked = false;
    for (let i = 0; i < n; i++) {
      const hit = hits[i]!;
      if (hit.limit <= 0) {
        // requests_per_unit 0: every request is over (envoyproxy/ratelimit's way to block a value)
        const reset = staticReset(hit, now);
        verdicts[i] = { over: true, remaining: 0, resetMs: reset, retryAfterMs: reset, source: 'static' };
        if (!hit.rule.shadowMode) blocked = true;
        continue;
      }
      const op = plan(hit, p.hashTag === 'domain' ? hit.rule.domain : hit.key, now);
      const until = p.nearCache.get(op, now);
      if (until > 0) {
        verdicts[i] = { over: true, remaining: 0, resetMs: until - now, retryAfterMs: until - now, source: 'near_cache' };
        if (!hit.rule.shadowMode) blocked = true;
        continue;
      }
      ops.push(op);
      pending.push(i);
    }
    if (ops.length === 0 || (mode === 'all' && blocked)) {
      // all-or-nothing and already denied: nothing would be consumed, so nothing to ask
      for (const i of pending) verdicts[i] = { over: false, remaining: hits[i]!.limit, resetMs: 0, retryAfterMs: 0, source: 'skipped' };
      return this.account(hits, verdicts, now);
    }
    let raw: RawResult[] | Promise<RawResult[]>;
    try {
      raw = p.store.decide(ops, mode, now);
    } catch (err) {
      raw = Promise.reject(err);
    }
    if (Array.isArray(raw)) return this.apply(hits, verdicts, ops, pending, raw, now);
    return raw.then(
      (r) => this.apply(hits, verdicts, ops, pending, r, now),
      (err: unknown) => this.failed(hits, verdicts, ops, pending, mode, now, err),
    );
  }

  private apply(hits: Hit[], verdicts: Verdict[], ops: CounterOp[], pending: number[], raw: RawResult[], now: number): Verdict[] {
    for (let j = 0; j < pending.length; j++) {
      const i = pending[j]!;
      const v = finish(hits[i]!, raw[j]!, now);
      if (v.over && v.retryAfterMs > 0) this.parts.nearCache.set(ops[j]!, now + v.retryAfterMs, nearCacheFloor(ops[j]!, raw[j]!));
      verdicts[i] = v;
    }
    return this.account(hits, verdicts, now);
  }

  /** The store gave no answer: each pending hit gets its limit's failure mode. */
  private failed(hits: Hit[], verdicts: Verdict[], ops: CounterOp[], pending: number[], mode: CommitMode, now: number, err: unknown): Verdict[] {
    const failure = err instanceof StoreFailure ? err : new StoreFailure('error', (err as Error)?.message ?? String(err));
    this.parts.onStoreFailure?.(failure);
    const localOps: CounterOp[] = [];
    const localIdx: number[] = [];
    for (let j = 0; j < pending.length; j++) {
      const i = pending[j]!;
      const hit = hits[i]!;
      const m = hit.rule.failureMode;
      rlMetrics.failureMode.inc({ domain: hit.rule.domain, descriptor: hit.rule.descriptor, mode: m });
      if (m === 'local') { localOps.push(ops[j]!); localIdx.push(i); continue; }
      verdicts[i] = m === 'open'
        ? { over: false, remaining: hit.limit, resetMs: 0, retryAfterMs: 0, source: 'fail_open' }
        : { over: true, remaining: 0, resetMs: 1000, retryAfterMs: 1000, source: 'fail_closed' };
    }
    if (localOps.length > 0) {
      const raw = this.parts.local.decide(localOps, mode, now);
      for (let j = 0; j < localIdx.length; j++) {
        const i = localIdx[j]!;
        verdicts[i] = { ...finish(hits[i]!, raw[j]!, now), source: 'local' };
      }
    }
    return this.account(hits, verdicts, now);
  }

  /** Metrics and the top-offenders view, once per hit. */
  private account(hits: Hit[], verdicts: Verdict[], now: number): Verdict[] {
    const ratio = this.parts.nearLimitRatio;
    for (let i = 0; i < hits.length; i++) {
      const hit = hits[i]!;
      const v = verdicts[i]!;
      if (v.source === 'skipped') continue;
      const m = ruleMetrics(hit.rule);
      m.hits += hit.hits;
      if (v.over) {
        m.over += hit.hits;
        if (v.source === 'near_cache') m.nearCache += hit.hits;
        if (hit.rule.shadowMode) m.shadow += hit.hits;
        this.parts.offenders.record(hit, true, now);
      } else {
        m.within += hit.hits;
        const near = Math.floor(hit.limit * ratio);
        const used = hit.limit - v.remaining;
        if (used > near && v.source !== 'fail_open') m.near += Math.min(hit.hits, used - near);
        if (hit.rule.detailed) this.parts.offenders.record(hit, false, now);
      }
    }
    return verdicts;
  }
}

/**
 * From which request size a refusal holds until its retry time: a fixed-window count past its limit
 * refuses everything (0); otherwise (sliding, GCRA, a fixed window that did not count the refused hits)
 * only requests at least as large as the refused one.
 */
function nearCacheFloor(op: CounterOp, r: RawResult): number {
  return op.kind === FIXED && r.x > op.a ? 0 : op.hits;
}

function staticReset(hit: Hit, now: number): number {
  if (hit.rule.algorithm === 'fixed_window') return fixedWindow(hit.rule.period, now).end - now;
  return periodMs(hit.rule.period);
}
