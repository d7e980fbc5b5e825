import type { Logger } from 'pino';
import type { SecurityEvent } from '../event.js';
import { redactUrls } from '../../url.js';
import { retryAfterMs } from '../retry-after.js';
import { QueuedSink, sinkKey, sinkRetries } from '../sink.js';
import { discardBody } from './discard-body.js';
import { timerMs } from '../../../common/timers.js';

export interface WebhookOptions {
  url: string;
  headers: Record<string, string>;
  format: 'json' | 'ndjson';
  batchSize: number;
  flushMs: number;
  maxQueue: number;
  timeoutMs: number;
  maxRetries: number;
  backoffMs: number;
}

/**
 * Longest wait between two tries of a batch: `backoff_ms` doubles per retry up to this (the schema's
 * most for `backoff_ms`, and the longest Retry-After honoured), so `max_retries` 10 cannot hold one batch
 * for hours while the queue behind it fills and drops.
 */
export const MAX_BACKOFF_MS = 60_000;

/**
 * POSTs batches of events (a JSON array, or NDJSON) to an HTTP endpoint. 5xx, 408, 429 and network errors
 * are retried with exponential backoff (jittered, each wait at most MAX_BACKOFF_MS), or after the Retry-After of a 408/429/503 when that is longer
 * (at most MAX_RETRY_AFTER_MS); other 4xx are not (the receiver refused the data).
 */
export class WebhookSink extends QueuedSink {
  constructor(name: string, private readonly o: WebhookOptions, private readonly logger: Logger, private readonly sleep = (ms: number) => new Promise((r) => setTimeout(r, timerMs(ms)).unref())) {
    super(name, sinkKey('webhook', o), o.maxQueue, o.flushMs, o.batchSize);
  }

  /**
   * timeout_ms, or close()'s deadline, whichever comes first. (Not AbortSignal.any over AbortSignal.timeout:
   * on Node 20.20 that combined signal did not fire in webhook-close.test.ts, and a receiver that never
   * answered held the sink.)
   */
  private requestSignal(): { signal: AbortSignal; done: () => void } {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timerMs(this.o.timeoutMs));
    timer.unref();
    const onDeadline = () => ac.abort(this.deadline.signal.reason);
    if (this.deadline.signal.aborted) onDeadline();
    else this.deadline.signal.addEventListener('abort', onDeadline, { once: true });
    return { signal: ac.signal, done: () => { clearTimeout(timer); this.deadline.signal.removeEventListener('abort', onDeadline); } };
  }

  protected async deliver(batch: SecurityEvent[]): Promise<boolean> {
    const body = this.o.format === 'ndjson' ? batch.map((e) => JSON.stringify(e)).join('\n') + '\n' : JSON.stringify(batch);
    const contentType = this.o.format === 'ndjson' ? 'application/x-ndjson' : 'application/json';
    /** The receiver's Retry-After on the last 408/429/503 (ms), when it sent one. */
    let asked: number | undefined;
    for (let attempt = 0; attempt <= this.o.maxRetries; attempt++) {
      if (attempt > 0) {
        // shutting down: no retries (a receiver that is down would hold the exit for every queued batch)
        if (this.closing) break;
        sinkRetries.inc({ sink: this.name });
        const base = Math.min(this.o.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
        await Promise.race([this.sleep(Math.max(base / 2 + Math.random() * base / 2, asked ?? 0)), this.closingNow]);
        if (this.closing) break;
      }
      asked = undefined;
      const request = this.requestSignal();
      try {
        const res = await fetch(this.o.url, {
          method: 'POST',
          headers: { 'content-type': contentType, 'user-agent': 'portcullis-security-events', ...this.o.headers },
          body,
          // a redirect is an answer, not followed: the events and the credentials go to the configured URL only
          redirect: 'manual',
          signal: request.signal,
        });
        await discardBody(res);
        if (res.ok) return true;
        if (res.status < 500 && res.status !== 429 && res.status !== 408) {
          this.logger.warn({ sink: this.name, status: res.status }, 'security event webhook refused the batch');
          return false;
        }
        if (res.status === 429 || res.status === 503 || res.status === 408) asked = retryAfterMs(res.headers.get('retry-after'));
        this.logger.warn({ sink: this.name, status: res.status, attempt, retry_after_ms: asked }, 'security event webhook failed; will retry');
      } catch (err) {
        this.logger.warn({ sink: this.name, err: redactUrls((err as Error).message), attempt }, 'security event webhook unreachable; will retry');
      } finally {
        request.done();
      }
    }
    // the rest of the queue is not tried batch by batch on the way out: close() counts it as `closed`
    if (this.closing) this.stalled = true;
    return false;
  }
}
