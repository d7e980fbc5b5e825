import type { Logger } from 'pino';
import { policyMetrics } from '../metrics.js';
import { SharedHandle } from '../shared-handle.js';
import { applyMasks, type MaskRule } from './mask.js';
import type { DecisionSink } from './sinks.js';
import { timerMs } from '../../common/timers.js';

/** One policy decision in OPA's decision-log format (labels are added when written). */
export interface DecisionEvent {
  decision_id: string;
  path: string;
  input: unknown;
  result?: unknown;
  error?: { code: string; message: string };
  timestamp: string;
  metrics: Record<string, number>;
  bundles: Record<string, { revision: string }>;
  /** Portcullis's additions (route, shadow, the reason code): OPA's `custom` field. */
  custom?: Record<string, unknown>;
}

export interface DecisionLoggerOptions {
  sinks: DecisionSink[];
  masks: MaskRule[];
  labels: Record<string, string>;
  /** Events per write. */
  maxBatch: number;
  /** Longest an event waits before a write. */
  maxDelayMs: number;
  /** Events held at most; beyond that new events are dropped (and counted), never waited for. */
  bufferMax: number;
  /**
   * Approximate bytes held at most (buffered and being written): an event keeps the whole input, headers and
   * body (up to request_limits.max_body_bytes) included, so a count alone lets a slow sink hold gigabytes.
   */
  bufferMaxBytes?: number;
}

export const DEFAULT_BUFFER_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Batches decision events and writes them off the request path. `log()` is O(1) and never blocks:
 * when the buffer is full the event is dropped and counted. Masking and serialization happen at
 * write time, on a timer, not in the Check.
 */
export class DecisionLogger extends SharedHandle<void> {
  private buffer: DecisionEvent[] = [];
  /** Approximate size of each buffered event (parallel to `buffer`). */
  private sizes: number[] = [];
  /** Approximate bytes buffered or being written. */
  private held = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private kick = false;

  constructor(key: string, private readonly opts: DecisionLoggerOptions, private readonly logger: Logger) {
    super(key);
  }

  /** Approximate bytes of buffered events and of those being written. */
  get heldBytes(): number { return this.held; }

  get buffered(): number { return this.buffer.length; }

  /** `approxBytes`: the caller's estimate of the event's size (its input above all); not measured here. */
  log(e: DecisionEvent, approxBytes = 0): void {
    if (this.isStopped) return;
    if (this.buffer.length >= this.opts.bufferMax) {
      policyMetrics.logDropped.inc({ reason: 'buffer_full' });
      return;
    }
    if (this.held + approxBytes > (this.opts.bufferMaxBytes ?? DEFAULT_BUFFER_MAX_BYTES)) {
      policyMetrics.logDropped.inc({ reason: 'buffer_bytes' });
      return;
    }
    this.held += approxBytes;
    this.sizes.push(approxBytes);
    this.buffer.push(e);
    policyMetrics.logEvents.inc();
    policyMetrics.logBuffered.set(this.buffer.length);
    if (this.buffer.length >= this.opts.maxBatch && !this.kick) {
      this.kick = true;
      setImmediate(() => { this.kick = false; void this.flush(); });
    }
  }

  /** Serialize one event with labels and masks applied. */
  serialize(e: DecisionEvent): string {
    const out: Record<string, unknown> = { labels: this.opts.labels, ...e };
    if (this.opts.masks.length > 0) {
      const { erased, masked } = applyMasks(out, this.opts.masks);
      if (erased.length > 0) out.erased = erased;
      if (masked.length > 0) out.masked = masked;
    }
    return JSON.stringify(out);
  }

  /** Write everything buffered now (batch by batch). Concurrent calls share one run. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => { this.flushing = undefined; });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.opts.maxBatch);
      let bytes = 0;
      for (const n of this.sizes.splice(0, batch.length)) bytes += n;
      policyMetrics.logBuffered.set(this.buffer.length);
      try {
        await this.write(batch);
      } finally {
        this.held -= bytes;
      }
    }
  }

  private async write(batch: DecisionEvent[]): Promise<void> {
    const lines: string[] = [];
    for (const e of batch) {
      try { lines.push(this.serialize(e)); } catch { policyMetrics.logDropped.inc({ reason: 'serialize' }); }
    }
    if (lines.length === 0) return;
    await Promise.all(this.opts.sinks.map(async (s) => {
      try {
        await s.write(lines);
      } catch (err) {
        policyMetrics.logFlushFailures.inc({ sink: s.name });
        policyMetrics.logDropped.inc({ reason: 'sink_failed' }, lines.length);
        this.logger.warn({ sink: s.name, events: lines.length, err: (err as Error).message }, 'decision log write failed; events dropped');
      }
    }));
  }

  protected onStart(): void {
    const tick = (): void => {
      this.timer = setTimeout(() => { void this.flush().then(() => { if (!this.isStopped) tick(); }); }, timerMs(this.opts.maxDelayMs));
      this.timer.unref?.();
    };
    tick();
  }

  protected async onStop(): Promise<void> {
    clearTimeout(this.timer);
    await this.flush();
  }
}
