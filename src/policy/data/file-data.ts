import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { DataFormatError, DataSource } from './data-source.js';

const MAX_BYTES = 64 * 1024 * 1024;

export async function readDataFile(file: string): Promise<unknown> {
  const size = (await stat(file)).size;
  if (size > MAX_BYTES) throw new DataFormatError(`${file} is larger than ${MAX_BYTES} bytes`);
  const text = await readFile(file, 'utf8');
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text, { maxAliasCount: 100 }) ?? null : JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(`${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** A JSON or YAML document on disk, watched. */
export class FileDataSource extends DataSource {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(key: string, name: string, path: string[], private readonly file: string, logger: Logger) {
    super(key, name, path, 'file', file, logger);
  }

  readNow(): Promise<unknown> {
    return readDataFile(this.file);
  }

  reload(trigger = 'file changed'): Promise<void> {
    this.running = this.running.then(() => this.refresh(trigger));
    return this.running;
  }

  protected onStart(): void {
    const name = basename(this.file);
    try {
      this.watcher = watch(dirname(this.file), (_e, f) => {
        if (f !== null && f !== name) return;
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
