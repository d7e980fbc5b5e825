import type { Logger } from 'pino';
import { BundleFormatError } from '../bundle/archive.js';
import type { LoadedBundle, LoadOptions } from '../bundle/load.js';
import { policyMetrics } from '../metrics.js';
import { SharedHandle } from '../shared-handle.js';
import { PolicyLoadError } from '../wasm/engine.js';

export interface SourceStatus {
  kind: 'file' | 'directory' | 'http';
  location: string;
  /** Revision of the last bundle this source accepted. */
  revision?: string;
  lastSuccess?: number;
  lastFailure?: number;
  lastError?: string;
  failures: number;
  etag?: string;
}

/** An error talking to a bundle server (connection, timeout, unexpected status). */
export class BundleFetchError extends Error {}

/** Stable, bounded failure reason for metrics. */
export function failureReason(err: unknown): string {
  if (err instanceof BundleFormatError || err instanceof PolicyLoadError) return err.reason;
  if (err instanceof BundleFetchError) return 'fetch';
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') return 'read';
  return 'error';
}

/**
 * Where a named bundle comes from. Every update is read, verified, parsed and compiled aside; only a
 * fully loaded bundle becomes `latest` and is handed to subscribers. A failed update leaves `latest` as
 * it was, and is logged and counted.
 */
export abstract class BundleSource extends SharedHandle<LoadedBundle> {
  latest?: LoadedBundle;
  readonly status: SourceStatus;

  constructor(
    key: string,
    readonly bundleName: string,
    kind: SourceStatus['kind'],
    location: string,
    protected readonly loadOptions: LoadOptions,
    protected readonly logger: Logger,
  ) {
    super(key);
    this.status = { kind, location, failures: 0 };
  }

  /** Read the source once now (first load of a local bundle at config time). Throws what went wrong. */
  abstract loadNow(): Promise<LoadedBundle>;

  /** Run one update; never throws. Returns true when a new bundle was accepted. */
  protected async accept(load: () => Promise<LoadedBundle>, trigger: string): Promise<boolean> {
    let loaded: LoadedBundle;
    try {
      loaded = await load();
    } catch (err) {
      this.recordFailure(err, trigger);
      return false;
    }
    return this.offer(loaded, trigger);
  }

  protected offer(loaded: LoadedBundle, trigger: string): boolean {
    this.status.lastSuccess = Date.now();
    this.status.lastError = undefined;
    if (this.latest && this.latest.digest === loaded.digest) {
      policyMetrics.bundleUpdates.inc({ bundle: this.bundleName, result: 'unchanged' });
      return false;
    }
    this.latest = loaded;
    this.status.revision = loaded.bundle.revision;
    this.logger.info({ bundle: this.bundleName, revision: loaded.bundle.revision, trigger, entrypoints: loaded.compiled.entrypoints.length }, 'policy bundle loaded');
    this.emit(loaded);
    return true;
  }

  protected recordFailure(err: unknown, trigger: string): void {
    const reason = failureReason(err);
    this.status.failures++;
    this.status.lastFailure = Date.now();
    this.status.lastError = (err as Error)?.message ?? String(err);
    policyMetrics.bundleFailures.inc({ bundle: this.bundleName, reason });
    policyMetrics.bundleLastFailure.set({ bundle: this.bundleName }, Date.now() / 1000);
    this.logger.warn(
      { bundle: this.bundleName, reason, trigger, error: this.status.lastError, kept_revision: this.latest?.bundle.revision },
      this.latest ? 'policy bundle update failed; keeping the last good bundle' : 'policy bundle load failed; no policy yet',
    );
  }
}
