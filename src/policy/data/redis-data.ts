import type { Logger } from 'pino';
import type { KvStore } from '../../store/types.js';
import { DataFormatError, DataSource } from './data-source.js';

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
 * A field that is not valid JSON rejects the whole refresh (the last good table stays).
 */
export class RedisHashDataSource extends DataSource {
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => Promise<void>;
  private running: Promise<void> = Promise.resolve();

  constructor(key: string, name: string, path: string[], private readonly store: KvStore, private readonly opts: RedisHashOptions, logger: Logger) {
    super(key, name, path, 'redis_hash', opts.hash, logger);
  }

  async readNow(): Promise<unknown> {
    const raw = await this.store.hgetall(this.opts.hash);
    if (this.opts.values === 'string') return raw;
    const out: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(raw)) {
      try {
        out[field] = JSON.parse(value);
      } catch {
        throw new DataFormatError(`field "${field.slice(0, 100)}" of hash ${this.opts.hash} is not valid JSON`);
      }
    }
    return out;
  }

  reload(trigger = 'poll'): Promise<void> {
    this.running = this.running.then(() => this.refresh(trigger));
    return this.running;
  }

  protected onStart(): void {
    const tick = (): void => {
      if (this.isStopped) return;
      this.timer = setTimeout(() => { void this.reload('poll').then(tick); }, this.opts.refreshMs);
      this.timer.unref?.();
    };
    void this.reload('start').then(tick);
    if (this.opts.channel) {
      this.store.subscribe(this.opts.channel, () => void this.reload('notification')).then(
        (unsub) => { if (this.isStopped) void unsub(); else this.unsubscribe = unsub; },
        (err) => this.logger.warn({ data_source: this.name, err: (err as Error).message }, 'cannot subscribe to the data channel; polling only'),
      );
    }
  }

  protected async onStop(): Promise<void> {
    clearTimeout(this.timer);
    await this.unsubscribe?.().catch(() => undefined);
    await this.running;
  }
}
