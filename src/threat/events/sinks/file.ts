import { createWriteStream, type WriteStream } from 'node:fs';
import type { Logger } from 'pino';
import type { SecurityEvent } from '../event.js';
import { QueuedSink, sinkKey } from '../sink.js';

/** Appends one JSON object per line to a file (flushed at most `flushMs` after an event). */
export class FileSink extends QueuedSink {
  private stream?: WriteStream;
  private failed = false;

  constructor(name: string, private readonly path: string, private readonly logger: Logger, opts: { maxQueue: number; flushMs: number }) {
    super(name, sinkKey('file', { path, ...opts }), opts.maxQueue, opts.flushMs, 500);
  }

  private open(): WriteStream {
    if (!this.stream || this.failed) {
      this.failed = false;
      this.stream = createWriteStream(this.path, { flags: 'a', mode: 0o640 });
      this.stream.on('error', (err) => {
        this.failed = true;
        this.logger.warn({ sink: this.name, err: err.message }, 'security event file sink error');
      });
    }
    return this.stream;
  }

  protected async deliver(batch: SecurityEvent[]): Promise<boolean> {
    const s = this.open();
    const text = batch.map((e) => JSON.stringify(e)).join('\n') + '\n';
    return new Promise<boolean>((resolve) => {
      s.write(text, (err) => resolve(!err));
    });
  }

  override async close(): Promise<void> {
    await super.close();
    await new Promise<void>((resolve) => { if (this.stream) this.stream.end(() => resolve()); else resolve(); });
  }
}
