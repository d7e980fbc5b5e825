import { rlMetrics } from '../metrics.js';
import { COUNTER_MAX, FIXED, GCRA, SLIDING, type CommitMode, type CounterOp, type CounterStore, type RawResult } from './types.js';

interface Cell { v: number; exp: number }

/**
 * Counters in process memory: the store of a single instance (no Redis configured) and the local
 * buckets a limit falls back to while Redis is away. Same semantics as the Lua script (redis-lua.ts),
 * synchronous. Bounded: past `maxKeys` the oldest counters are dropped (counted in `evictions`).
 */
export class MemoryCounterStore implements CounterStore {
  readonly kind = 'memory' as const;
  private readonly cells = new Map<string, Cell>();
  private readonly sweeper: NodeJS.Timeout;
  evictions = 0;

  constructor(private readonly maxKeys = 1_000_000, sweepMs = 10_000, private readonly clock: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(this.clock()), sweepMs);
    this.sweeper.unref();
  }

  get size(): number { return this.cells.size; }

  private get(key: string, now: number): number {
    const c = this.cells.get(key);
    if (c === undefined) return 0;
    if (c.exp <= now) { this.cells.delete(key); return 0; }
    return c.v;
  }

  private put(key: string, v: number, exp: number): void {
    const c = this.cells.get(key);
    if (c !== undefined) { c.v = v; c.exp = exp; return; }
    if (this.cells.size >= this.maxKeys) this.evictOldest();
    this.cells.set(key, { v, exp });
  }

  private incr(key: string, by: number, ttlMs: number, now: number): number {
    const c = this.cells.get(key);
    if (c !== undefined && c.exp > now) { c.v += by; return c.v; }
    if (c !== undefined) this.cells.delete(key);
    this.put(key, by, now + ttlMs);
    return by;
  }

  private evictOldest(): void {
    const first = this.cells.keys().next();
    if (!first.done) { this.cells.delete(first.value); this.evictions++; rlMetrics.counterEvictions.inc(); }
  }

  sweep(now: number): void {
    for (const [k, c] of this.cells) if (c.exp <= now) this.cells.delete(k);
  }

  decide(ops: CounterOp[], mode: CommitMode, now: number): RawResult[] {
    const n = ops.length;
    const ok: boolean[] = new Array(n);
    const v1: number[] = new Array(n);
    const v2: number[] = new Array(n);
    let all = true;
    // ops on one counter in one call see the ops before them (as envoyproxy/ratelimit's pipelined INCRBYs
    // do): what each would leave in the counter if committed
    const seen = n > 1 ? new Map<string, number>() : undefined;
    const read = (key: string): number => seen?.get(key) ?? this.get(key, now);
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      if (op.kind === FIXED) {
        v1[i] = read(op.key);
        ok[i] = v1[i]! + op.hits <= op.a;
        seen?.set(op.key, v1[i]! + Math.min(op.hits, COUNTER_MAX - v1[i]!));
      } else if (op.kind === SLIDING) {
        v1[i] = read(op.key);
        v2[i] = read(op.key2);
        ok[i] = v2[i]! * op.p + v1[i]! + op.hits <= op.a + 1e-9;
        if (ok[i] && op.hits > 0) seen?.set(op.key, v1[i]! + op.hits);
      } else {
        const nowUs = now * 1000;
        const tat = Math.max(read(op.key), nowUs);
        v2[i] = tat;                                          // TAT before (µs)
        v1[i] = Math.floor(tat + op.hits * op.a + 0.5);       // TAT this request would set (µs)
        ok[i] = v1[i]! - op.p <= nowUs;
        if (ok[i] && op.hits > 0) seen?.set(op.key, v1[i]!);
      }
      if (!ok[i] && !op.shadow) all = false;
    }
    const commit = mode === 'independent' || all;
    const out: RawResult[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      if (op.kind === FIXED) {
        // saturating: the count stops at COUNTER_MAX (see store/types.ts)
        const add = commit ? Math.min(op.hits, COUNTER_MAX - v1[i]!) : 0;
        const x = add > 0 ? this.incr(op.key, add, op.ttlMs, now) : v1[i]!;
        out[i] = { ok: ok[i]!, x, y: 0 };
      } else if (op.kind === SLIDING) {
        const x = commit && ok[i] && op.hits > 0 ? this.incr(op.key, op.hits, op.ttlMs, now) : v1[i]!;
        out[i] = { ok: ok[i]!, x, y: v2[i]! };
      } else {
        const next = v1[i]!;
        let stored = v2[i]!;
        if (commit && ok[i] && op.hits > 0) { stored = next; this.put(op.key, next, Math.ceil(next / 1000) + 1000); }
        out[i] = { ok: ok[i]!, x: stored, y: next };
      }
    }
    return out;
  }

  /** Shared across config reloads: each holder retains, and the last release closes. */
  private refs = 1;

  retain(): this { this.refs++; return this; }

  release(): void { if (--this.refs <= 0) this.close(); }

  close(): void {
    clearInterval(this.sweeper);
    this.cells.clear();
  }
}
