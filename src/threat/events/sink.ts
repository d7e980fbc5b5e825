import { createHash } from 'node:crypto';
import { counter, gauge } from '../../telemetry/metrics.js';
import type { SecurityEvent } from './event.js';
import { timerMs } from '../../common/timers.js';

export const sinkDelivered = counter('portcullis_security_event_sink_delivered_total', 'Security events delivered, per sink', ['sink'] as const);
export const sinkDropped = counter('portcullis_security_event_sink_dropped_total', 'Security events dropped, per sink and reason (queue_full, failed, closed)', ['sink', 'reason'] as const);
export const sinkRetries = counter('portcullis_security_event_sink_retries_total', 'Delivery retries, per sink', ['sink'] as const);
export const sinkQueue = gauge('portcullis_security_event_sink_queue', 'Security events waiting, per sink', ['sink'] as const);

/** A destination for security events. `offer` never blocks and never throws: it queues or drops. */
export interface EventSink {
  readonly name: string;
  /** Digest of every resolved option (see sinkKey), so a reload keeps only an identical sink (and its queue). */
  readonly key: string;
  offer(e: SecurityEvent): void;
  /** Deliver what is queued now (tests, shutdown). */
  flush(): Promise<void>;
  /**
   * Deliver what is queued (no retries), then stop. `deadline` (ms since the epoch; shutdown passes
   * now + drain_timeout_ms): what is not delivered by then is dropped and counted `closed`.
   */
  close(deadline?: number): Promise<void>;
}

function stable(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]));
}

/**
 * The reuse key of a sink: its type and a sha256 of all its resolved options (header values included, so
 * a rotated token or a changed retry count builds a new sink). Only the digest: options may hold secrets.
 */
export function sinkKey(type: string, options: object): string {
  return `${type}|${createHash('sha256').update(JSON.stringify(stable(options))).digest('hex')}`;
}

/**
 * A bounded queue drained in batches on a short timer: `offer` is O(1); when the queue is full the new
 * event is dropped and counted (the Check never waits on a sink).
 */
export abstract class QueuedSink implements EventSink {
  protected queue: SecurityEvent[] = [];
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  protected closed = false;
  /** Set when close() starts: a sink stops retrying, and what it could not deliver is dropped as `closed`. */
  protected closing = false;
  private wake?: () => void;
  /** Resolves when close() starts: cuts a retry's wait short. */
  protected readonly closingNow = new Promise<void>((resolve) => { this.wake = resolve; });
  /** Set by deliver() when the destination stalled: this flush stops, the rest waits for the next one. */
  protected stalled = false;
  /** close()'s deadline (ms since the epoch): no batch is started after it. */
  private closeBy?: number;
  /** Aborted when close()'s deadline passes: a delivery in flight gives up (the webhook's request). */
  protected readonly deadline = new AbortController();

  constructor(readonly name: string, readonly key: string, protected readonly maxQueue: number, protected readonly flushMs: number, protected readonly batchSize: number) {}

  offer(e: SecurityEvent): void {
    if (this.closed) { sinkDropped.inc({ sink: this.name, reason: 'closed' }); return; }
    if (this.queue.length >= this.maxQueue) { sinkDropped.inc({ sink: this.name, reason: 'queue_full' }); return; }
    this.queue.push(e);
    sinkQueue.set({ sink: this.name }, this.queue.length);
    if (this.queue.length >= this.batchSize) this.kick(0);
    else this.kick(this.flushMs);
  }

  private kick(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, timerMs(ms));
    this.timer.unref();
  }

  flush(): Promise<void> {
    if (this.draining) return this.draining;
    // an empty queue: nothing to drain. (Run anyway, the drain below would finish synchronously, clear
    // `draining` and only then be assigned to it: a settled promise every later flush returned as is.)
    if (this.queue.length === 0) return Promise.resolve();
    this.draining = (async () => {
      try {
        while (this.queue.length > 0) {
          if (this.closeBy !== undefined && Date.now() >= this.closeBy) break;
          const batch = this.queue.splice(0, this.batchSize);
          sinkQueue.set({ sink: this.name }, this.queue.length);
          const ok = await this.deliver(batch);
          if (ok) sinkDelivered.inc({ sink: this.name }, batch.length);
          else sinkDropped.inc({ sink: this.name, reason: 'failed' }, batch.length);
          if (this.stalled) break;
        }
      } finally {
        this.draining = undefined;
        if (this.stalled) { this.stalled = false; if (!this.closed && this.queue.length > 0) this.kick(this.flushMs); }
      }
    })();
    return this.draining;
  }

  /** Deliver one batch (retrying as the sink sees fit); false when it was given up on. */
  protected abstract deliver(batch: SecurityEvent[]): Promise<boolean>;

  async close(deadline?: number): Promise<void> {
    this.closing = true;
    this.closeBy = deadline;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const passed = deadline === undefined ? undefined : new Promise<void>((resolve) => {
      timer = setTimeout(() => { this.deadline.abort(new Error('shutdown deadline passed')); resolve(); }, timerMs(deadline - Date.now()));
      timer.unref();
    });
    const flushed = this.flush().catch(() => undefined);
    // a delivery still in flight at the deadline (a file write, a TCP write within timeout_ms) is not waited for
    await (passed ? Promise.race([flushed, passed]) : flushed);
    clearTimeout(timer);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.queue.length > 0) sinkDropped.inc({ sink: this.name, reason: 'closed' }, this.queue.length);
    this.queue = [];
    sinkQueue.set({ sink: this.name }, 0);
  }
}
