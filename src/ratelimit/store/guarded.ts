import { rlMetrics } from '../metrics.js';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from '../../common/circuit-breaker.js';
import { StoreFailure, type CommitMode, type CounterOp, type CounterStore, type RawResult } from './types.js';

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };

export interface GuardOptions {
  /** Per-call deadline, ms: past it the decision is made by the limits' failure modes. */
  deadlineMs: number;
  breaker: BreakerOptions;
}

/**
 * A remote store behind a deadline and a circuit breaker. Never waits longer than the deadline; while
 * the client is disconnected or the breaker is open it fails at once. Rejects with StoreFailure.
 * Reconnecting is the client's job (ioredis retries by itself); the breaker lets a probe through after
 * its open period and closes on the first success.
 */
export class GuardedStore implements CounterStore {
  readonly kind: 'memory' | 'redis' | 'cluster';
  readonly breaker: CircuitBreaker;

  constructor(
    private readonly inner: CounterStore,
    private readonly opts: GuardOptions,
    /** ioredis status ('ready' when usable); undefined for stores that are always usable. */
    private readonly status?: () => string,
    clock: () => number = Date.now,
  ) {
    this.kind = inner.kind;
    const label = inner.kind;
    rlMetrics.breakerState.set({ store: label }, 0);
    this.breaker = new CircuitBreaker(opts.breaker, clock, (st: BreakerState) => {
      rlMetrics.breakerState.set({ store: label }, BREAKER_GAUGE[st]);
      rlMetrics.breakerTransitions.inc({ store: label, to: st });
    });
  }

  decide(ops: CounterOp[], mode: CommitMode, now: number): Promise<RawResult[]> {
    if (this.status && this.status() !== 'ready') return this.fail('disconnected', 'store not connected');
    if (!this.breaker.allow()) return this.fail('breaker_open', 'circuit breaker open');
    const started = process.hrtime.bigint();
    return new Promise<RawResult[]>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        this.observe(started, 'timeout');
        this.breaker.failure();
        rlMetrics.storeFailures.inc({ store: this.kind, reason: 'timeout' });
        reject(new StoreFailure('timeout', `store call exceeded ${this.opts.deadlineMs} ms`));
      }, this.opts.deadlineMs);
      let p: RawResult[] | Promise<RawResult[]>;
      try {
        p = this.inner.decide(ops, mode, now);
      } catch (err) {
        p = Promise.reject(err);
      }
      Promise.resolve(p).then((r) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.observe(started, 'ok');
        this.breaker.success();
        resolve(r);
      }, (err: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.observe(started, 'error');
        this.breaker.failure();
        rlMetrics.storeFailures.inc({ store: this.kind, reason: 'error' });
        reject(new StoreFailure('error', err?.message ?? String(err)));
      });
    });
  }

  private observe(started: bigint, result: string): void {
    rlMetrics.storeDuration.observe({ store: this.kind, result }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private fail(reason: 'disconnected' | 'breaker_open', message: string): Promise<never> {
    rlMetrics.storeFailures.inc({ store: this.kind, reason });
    return Promise.reject(new StoreFailure(reason, message));
  }
}
