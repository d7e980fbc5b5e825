import type { Logger } from 'pino';
import { policyMetrics } from '../metrics.js';
import { SharedHandle } from '../shared-handle.js';
import type { DataDoc } from './data-doc.js';

export { DataFormatError } from './format-error.js';

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

/**
 * An external data document mounted at a path under `data` (a role → permission table, an allow
 * list …). Refreshes run in the background and never block Checks: reading, parsing and comparing the
 * document run in the activation worker (data-doc.ts). A failed refresh keeps the last good document,
 * is logged and counted. Subscribers (bundle targets) rebuild their engines aside.
 */
export abstract class DataSource extends SharedHandle<DataDoc> {
  latest: DataDoc | undefined = undefined;
  loaded = false;
  readonly status: DataStatus;

  constructor(key: string, readonly name: string, readonly path: string[], kind: DataStatus['kind'], location: string, protected readonly logger: Logger) {
    super(key);
    this.status = { kind, location, path: path.join('/'), loaded: false, failures: 0 };
  }

  /** Read now; undefined when what was read is what the raw digest `known` names. Throws on failure. */
  protected abstract read(known: string | undefined): Promise<DataDoc | undefined>;

  /** Read now. Throws on failure (used at config time for files). */
  async readNow(): Promise<DataDoc> {
    return (await this.read(undefined))!;
  }

  /** One refresh; never throws. */
  protected async refresh(trigger: string): Promise<void> {
    let doc: DataDoc | undefined;
    try {
      doc = await this.read(this.loaded ? this.latest!.raw : undefined);
    } catch (err) {
      this.status.failures++;
      this.status.lastFailure = Date.now();
      this.status.lastError = (err as Error).message;
      policyMetrics.dataUpdates.inc({ source: this.name, result: 'failure' });
      this.logger.warn({ data_source: this.name, trigger, error: this.status.lastError }, this.loaded ? 'policy data refresh failed; keeping the last good data' : 'policy data load failed');
      return;
    }
    // undefined: the same bytes as the last good document, which set() counts as unchanged
    this.set(doc ?? this.latest!, trigger);
  }

  set(doc: DataDoc, trigger: string): void {
    this.status.lastSuccess = Date.now();
    this.status.lastError = undefined;
    policyMetrics.dataLastSuccess.set({ source: this.name }, Date.now() / 1000);
    if (this.loaded && doc.digest === this.latest!.digest) {
      // the same document written differently: remember these bytes so that reading them again skips parsing
      if (doc.raw !== this.latest!.raw) this.latest = { ...this.latest!, raw: doc.raw };
      policyMetrics.dataUpdates.inc({ source: this.name, result: 'unchanged' });
      return;
    }
    this.latest = doc;
    this.loaded = true;
    this.status.loaded = true;
    policyMetrics.dataUpdates.inc({ source: this.name, result: 'updated' });
    this.logger.info({ data_source: this.name, trigger }, 'policy data updated');
    this.emit(doc);
  }
}
