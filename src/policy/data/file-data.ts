import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { isFileChange } from '../../common/file-change.js';
import { loadDataFile } from '../activation/activate.js';
import type { DataDoc } from './data-doc.js';
import { DataSource } from './data-source.js';

export { readDataFile } from './read.js';

/** A JSON or YAML document on disk (at most 64 MiB), watched; read and parsed in the activation worker. */
export class FileDataSource extends DataSource {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(key: string, name: string, path: string[], private readonly file: string, logger: Logger) {
    super(key, name, path, 'file', file, logger);
  }

  protected read(known: string | undefined): Promise<DataDoc | undefined> {
    return loadDataFile(this.file, known, this.logger);
  }

  reload(trigger = 'file changed'): Promise<void> {
    this.running = this.running.then(() => this.refresh(trigger));
    return this.running;
  }

  protected onStart(): void {
    const name = basename(this.file);
    try {
      this.watcher = watch(dirname(this.file), (_e, f) => {
        if (!isFileChange(f, name)) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reload(), 150);
        this.timer.unref?.();
      });
      this.watcher.on('error', (err) => this.logger.warn({ data_source: this.name, err: err.message }, 'data file watcher failed'));
    } catch (err) {
      this.logger.warn({ data_source: this.name, err: (err as Error).message }, 'cannot watch the data file');
    }
  }

  protected async onStop(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.running;
  }
}
