import type { Logger } from 'pino';
import { policyMetrics } from '../metrics.js';
import { SharedHandle } from '../shared-handle.js';

export interface DataStatus {
  kind: 'file' | 'redis_hash';
  location: string;
  /** data path, slash separated (e.g. portcullis/rbac/role_permissions). */
  path: string;
  loaded: boolean;
  lastSuccess?: number;
  lastFailure?: number;
  lastError?: string;
  failures: number;
}

/** A bad data document (not JSON, wrong shape). */
export class DataFormatError extends Error {}

/**
 * An external data document mounted at a path under `data` (a role → permission table, an allow
 * list …). Refreshes run in the background and never block Checks; a failed refresh keeps the last
 * good value, is logged and counted. Subscribers (bundle targets) rebuild their engines aside.
 */
export abstract class DataSource extends SharedHandle<unknown> {
  latest: unknown = undefined;
  loaded = false;
  readonly status: DataStatus;

  constructor(key: string, readonly name: string, readonly path: string[], kind: DataStatus['kind'], location: string, protected readonly logger: Logger) {
    super(key);
    this.status = { kind, location, path: path.join('/'), loaded: false, failures: 0 };
  }

  /** Read now. Throws on failure (used at config time for files). */
  abstract readNow(): Promise<unknown>;

  /** One refresh; never throws. */
  protected async refresh(trigger: string): Promise<void> {
    let value: unknown;
    try {
      value = await this.readNow();
    } catch (err) {
      this.status.failures++;
      this.status.lastFailure = Date.now();
      this.status.lastError = (err as Error).message;
      policyMetrics.dataUpdates.inc({ source: this.name, result: 'failure' });
      this.logger.warn({ data_source: this.name, trigger, error: this.status.lastError }, this.loaded ? 'policy data refresh failed; keeping the last good data' : 'policy data load failed');
      return;
    }
    this.set(value, trigger);
  }

  set(value: unknown, trigger: string): void {
    this.status.lastSuccess = Date.now();
    this.status.lastError = undefined;
    policyMetrics.dataLastSuccess.set({ source: this.name }, Date.now() / 1000);
    if (this.loaded && JSON.stringify(value) === JSON.stringify(this.latest)) {
      policyMetrics.dataUpdates.inc({ source: this.name, result: 'unchanged' });
      return;
    }
    this.latest = value;
    this.loaded = true;
    this.status.loaded = true;
    policyMetrics.dataUpdates.inc({ source: this.name, result: 'updated' });
    this.logger.info({ data_source: this.name, trigger }, 'policy data updated');
    this.emit(value);
  }
}
