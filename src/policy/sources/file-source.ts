import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { isFileChange } from '../../common/file-change.js';
import { DEFAULT_ARCHIVE_LIMITS, readBundleDir } from '../bundle/archive.js';
import type { LoadedBundle, LoadOptions } from '../bundle/load.js';
import { loadArchive, loadFiles } from '../activation/activate.js';
import { BundleSource } from './bundle-source.js';

const DEBOUNCE_MS = 200;

/**
 * A bundle on disk: a .tar.gz file or an extracted bundle directory. Watched: any change re-reads it
 * (debounced); a half-written file fails to load and the last good bundle stays until the write is done.
 * Write bundles atomically (write aside, then rename) to avoid even that.
 */
export class FileBundleSource extends BundleSource {
  private watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(key: string, bundleName: string, private readonly path: string, private readonly isDir: boolean, opts: LoadOptions, logger: Logger) {
    super(key, bundleName, isDir ? 'directory' : 'file', path, opts, logger);
  }

  loadNow(): Promise<LoadedBundle> {
    return this.isDir
      ? readBundleDir(this.path, this.loadOptions.limits ?? DEFAULT_ARCHIVE_LIMITS).then((files) => loadFiles(files, this.loadOptions, this.logger))
      : readFile(this.path).then((bytes) => loadArchive(bytes, this.loadOptions, this.logger));
  }

  /** Seed with a bundle loaded at config time. */
  seed(loaded: LoadedBundle): void {
    this.offer(loaded, 'config');
  }

  /** Re-read now (used by the watcher and by tests). Serialized. */
  reload(trigger = 'changed'): Promise<unknown> {
    this.running = this.running.then(() => this.accept(() => this.loadNow(), trigger));
    return this.running;
  }

  protected onStart(): void {
    const name = basename(this.path);
    const changed = (): void => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { void this.reload('file changed').then(() => this.rewatchDir()); }, DEBOUNCE_MS);
      this.timer.unref?.();
    };
    try {
      // the parent folder catches editors' and deploy tools' write-then-rename of the file or directory,
      // and a Kubernetes ConfigMap update (the ..data swap)
      const parent = watch(dirname(this.path), (_e, f) => { if (isFileChange(f, name)) changed(); });
      parent.on('error', (err) => this.logger.warn({ bundle: this.bundleName, err: err.message }, 'bundle watcher failed'));
      this.watchers.push(parent);
    } catch (err) {
      this.logger.warn({ bundle: this.bundleName, err: (err as Error).message }, 'cannot watch the bundle; changes need a config reload');
    }
    this.onChange = changed;
    this.rewatchDir();
  }

  private onChange?: () => void;
  private dirWatcher?: FSWatcher;

  /** Directories: a recursive watcher on the current directory (re-made after a swap of the directory itself). */
  private rewatchDir(): void {
    if (!this.isDir || this.isStopped || !this.onChange) return;
    this.dirWatcher?.close();
    try {
      this.dirWatcher = watch(this.path, { recursive: true }, () => this.onChange?.());
      this.dirWatcher.on('error', () => undefined);
    } catch {
      this.dirWatcher = undefined;
    }
  }

  protected async onStop(): Promise<void> {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.dirWatcher?.close();
    this.watchers = [];
    await this.running.catch(() => undefined);
  }
}
