import type { Logger } from 'pino';
import type { KvStore } from '../../store/types.js';
import { loadDataHash } from '../activation/activate.js';
import type { DataDoc } from './data-doc.js';
import { DataSource } from './data-source.js';
import { timerMs } from '../../common/timers.js';

export interface RedisHashOptions {
  hash: string;
  /** json: each field's value is a JSON document; string: kept as a string. */
  values: 'json' | 'string';
  refreshMs: number;
  /** Pub/sub channel: any message triggers an immediate refresh (every replica). */
  channel?: string;
}

/**
 * A Redis hash as a data document: { field: value, … } (e.g. role → permission list). Polled every
 * refreshMs with one HGETALL, and refreshed at once when something is published on the channel.
 * A field that is not valid JSON rejects the whole refresh (the last good table stays). The fields are
 * parsed and compared with the last table in the activation worker (HGETALL itself, and handing its
 * reply to the worker, run on the main thread).
 */
export class RedisHashDataSource extends DataSource {
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => Promise<void>;
  private running: Promise<void> = Promise.resolve();

  constructor(key: string, name: string, path: string[], private readonly store: KvStore, private readonly opts: RedisHashOptions, logger: Logger) {
    super(key, name, path, 'redis_hash', opts.hash, logger);
  }

  protected async read(known: string | undefined): Promise<DataDoc | undefined> {
    const fields = await this.store.hgetall(this.opts.hash);
    return loadDataHash(this.opts.hash, fields, this.opts.values, known, this.logger);
  }

  /** The read queued after the one running, not started yet: every reload asked for meanwhile shares it. */
  private queued?: Promise<void>;

  /**
   * Read again, after the read running (which may have read the hash before the change that prompted this).
   * Asks made while a read is queued share it: a burst of notifications or a flapping subscriber (a re-read
   * at every reconnect) queued one whole-hash read each, without bound.
   */
  reload(trigger = 'poll'): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    const next = this.running.then(() => { this.queued = undefined; return this.refresh(trigger); });
    this.queued = next;
    this.running = next;
    return next;
  }

  private failStreak = 0;
  private subTimer?: NodeJS.Timeout;

  protected onStart(): void {
    const tick = (): void => {
      if (this.isStopped) return;
      // after a failed refresh (Redis still connecting, a bad field) retry sooner: 250 ms doubling up to refreshMs
      this.failStreak = this.status.lastError === undefined ? 0 : this.failStreak + 1;
      const delay = this.failStreak === 0 ? this.opts.refreshMs : Math.min(this.opts.refreshMs, 250 * 2 ** Math.min(this.failStreak - 1, 10));
      this.timer = setTimeout(() => { void this.reload('poll').then(tick); }, timerMs(delay));
      this.timer.unref?.();
    };
    void this.reload('start').then(tick);
    if (this.opts.channel) this.listen(0);
  }

  /** Subscribe to the notification channel, retrying (bounded backoff) while Redis is unreachable. */
  private listen(attempt: number): void {
    if (this.isStopped) return;
    // after a lost connection the store re-subscribes: a change announced meanwhile was missed, read again
    this.store.subscribe(this.opts.channel!, () => void this.reload('notification'), () => void this.reload('resubscribed')).then(
      (unsub) => {
        if (this.isStopped) { void unsub(); return; }
        this.unsubscribe = unsub;
        // a change announced before the subscription was missed: read once more now that none can be
        void this.reload('subscribed');
      },
      (err) => {
        if (attempt === 0) this.logger.warn({ data_source: this.name, err: (err as Error).message }, 'cannot subscribe to the data channel yet; polling meanwhile, retrying');
        this.subTimer = setTimeout(() => this.listen(attempt + 1), Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)));
        this.subTimer.unref?.();
      },
    );
  }

  protected async onStop(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.subTimer);
    await this.unsubscribe?.().catch(() => undefined);
    await this.running;
  }
}
