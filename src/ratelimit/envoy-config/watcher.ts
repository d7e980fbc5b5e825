import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { rlMetrics } from '../metrics.js';
import type { DomainSet } from './loader.js';
import { formatRlsProblem, type RlsProblem } from './problems.js';

export interface ConfigState {
  current: DomainSet;
  /** Problems of the last failed load (cleared by a good one). */
  lastError?: string[];
  lastAttempt: number;
}

/**
 * Reloads the config directory when a file in it changes (write, create, rename, remove — including the
 * symlink swap of a Kubernetes ConfigMap). A load with any problem keeps the last good config, logs every
 * problem with its file and key, and counts it.
 */
export class DirWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly state: ConfigState,
    private readonly load: () => { set?: DomainSet; problems: RlsProblem[] },
    private readonly logger: Logger,
    private readonly debounceMs = 200,
  ) {}

  start(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.dir, () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.reload('file changed'), this.debounceMs);
      });
      this.watcher.on('error', (err) => this.logger.warn({ err: err.message, dir: this.dir }, 'ratelimit config watcher failed'));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, dir: this.dir }, 'cannot watch the ratelimit config directory; reload Portcullis to pick up changes');
    }
  }

  reload(reason: string): boolean {
    const r = this.load();
    this.state.lastAttempt = Date.now();
    if (!r.set) {
      const lines = r.problems.map(formatRlsProblem);
      this.state.lastError = lines;
      rlMetrics.configLoads.inc({ result: 'invalid' });
      this.logger.error({ reason, dir: this.dir, errors: lines }, 'ratelimit config reload failed; keeping the last good config');
      return false;
    }
    this.state.current = r.set;
    this.state.lastError = undefined;
    rlMetrics.configLoads.inc({ result: 'success' });
    this.logger.info({ reason, dir: this.dir, domains: [...r.set.domains.keys()] }, 'ratelimit config reloaded');
    return true;
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
