import { realpathSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { isFileChange } from '../common/file-change.js';

/**
 * Watches a set of files through their folders (one watcher per folder), so a write-and-rename and a
 * Kubernetes ConfigMap/Secret `..data` swap are seen as changes (isFileChange). `follow()` replaces the
 * set: folders no longer needed are closed, new ones opened. A folder that cannot be watched is warned
 * about once (SIGHUP and POST /reload still reload). Logs carry paths only, never file contents.
 */
export class FileWatches {
  private readonly dirs = new Map<string, { watcher: FSWatcher; names: Set<string>; real: string }>();
  private readonly warned = new Set<string>();

  constructor(private readonly onChange: (file: string) => void, private readonly logger: Logger) {}

  /** The folders watched now (for tests and diagnostics). */
  get folders(): string[] { return [...this.dirs.keys()].sort(); }

  follow(files: readonly string[]): void {
    const wanted = new Map<string, Set<string>>();
    for (const f of files) {
      const d = dirname(f);
      let names = wanted.get(d);
      if (!names) wanted.set(d, (names = new Set()));
      names.add(basename(f));
    }
    for (const [d, w] of this.dirs) {
      if (!wanted.has(d)) { w.watcher.close(); this.dirs.delete(d); }
    }
    for (const [d, names] of wanted) {
      // a folder reached through a link (`sub` → `..data/sub` in a Secret volume) is watched where the link
      // pointed; after the kubelet's swap it points elsewhere: watch the new place
      const real = realOf(d);
      const have = this.dirs.get(d);
      if (have && have.real === real) { have.names = names; continue; }
      if (have) { have.watcher.close(); this.dirs.delete(d); }
      try {
        const entry = { watcher: undefined as unknown as FSWatcher, names, real };
        entry.watcher = watch(d, (_event, changed) => {
          for (const n of entry.names) {
            if (isFileChange(changed, n)) { this.onChange(join(d, changed ?? '')); return; }
          }
        });
        entry.watcher.on('error', (err) => {
          this.warnOnce(d, err.message, 'watching the folder of the config or a file it refers to failed; SIGHUP still reloads');
          entry.watcher.close();
          if (this.dirs.get(d) === entry) this.dirs.delete(d);
        });
        this.dirs.set(d, entry);
      } catch (err) {
        this.warnOnce(d, (err as Error).message, 'cannot watch the folder of the config or a file it refers to; SIGHUP still reloads');
      }
    }
  }

  private warnOnce(dir: string, err: string, msg: string): void {
    if (this.warned.has(dir)) return;
    this.warned.add(dir);
    this.logger.warn({ dir, err }, msg);
  }

  close(): void {
    for (const w of this.dirs.values()) w.watcher.close();
    this.dirs.clear();
  }
}

function realOf(dir: string): string {
  try { return realpathSync(dir); } catch { return dir; }
}
