import { appendFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { SecurityEvent } from '../event.js';
import { QueuedSink, sinkKey } from '../sink.js';

/**
 * Appends one JSON object per line to a file (flushed at most `flushMs` after an event). The file is
 * opened per batch, so rotation by rename (logrotate `create`) or deletion starts a new file at `path`,
 * and `copytruncate` works too (appends land at the end). A failed write (EACCES, ENOSPC) drops that
 * batch, counted, and is logged; the next batch tries again.
 */
export class FileSink extends QueuedSink {
  constructor(name: string, private readonly path: string, private readonly logger: Logger, opts: { maxQueue: number; flushMs: number }) {
    super(name, sinkKey('file', { path, ...opts }), opts.maxQueue, opts.flushMs, 500);
  }

  protected async deliver(batch: SecurityEvent[]): Promise<boolean> {
    const text = batch.map((e) => JSON.stringify(e)).join('\n') + '\n';
    try {
      await appendFile(this.path, text, { mode: 0o640 });
      return true;
    } catch (err) {
      this.logger.warn({ sink: this.name, err: (err as Error).message }, 'security event file sink error');
      return false;
    }
  }
}
