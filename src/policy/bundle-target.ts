import type { Logger } from 'pino';
import type { LoadedBundle } from './bundle/load.js';
import type { DataSource } from './data/data-source.js';
import { buildEngine } from './activation/activate.js';
import { policyMetrics } from './metrics.js';
import { failureReason, type BundleSource } from './sources/bundle-source.js';
import { EVAL_TIMEOUT_MS, PolicyLoadError, type MemoryOptions, type WasmEngine } from './wasm/engine.js';

/** The engine Checks use for one bundle, swapped as a whole. */
export interface ActivePolicy {
  readonly engine: WasmEngine;
  readonly revision: string;
  readonly activatedAt: number;
}

/**
 * One named bundle as this module instance serves it: the engine built from the source's latest
 * bundle plus the data documents laid over it. Any change (new bundle, new data) builds a complete new
 * engine aside and swaps the reference in one assignment; Checks in flight finish on the old one.
 * A build that fails (instantiation, data, a route's entrypoint missing) keeps the current engine.
 */
export class BundleTarget {
  active?: ActivePolicy;
  /** Entrypoints routes use: a bundle without them is refused. */
  readonly requiredEntrypoints = new Set<string>();
  failures = 0;
  lastError?: string;
  /** The bundle the active engine was built from, and the source's latest when building it was refused. */
  private lastGood?: LoadedBundle;
  private refused?: LoadedBundle;
  private readonly unsubscribe: Array<() => void> = [];
  private chain: Promise<void> = Promise.resolve();
  private pending = false;
  private closed = false;

  constructor(
    readonly name: string,
    readonly source: BundleSource,
    private readonly data: readonly DataSource[],
    private readonly memory: MemoryOptions,
    private readonly logger: Logger,
    /** Longest one evaluation on this bundle may run (eval_timeout_ms). */
    readonly evalTimeoutMs: number = EVAL_TIMEOUT_MS.default,
  ) {}

  /** Build from what the sources hold now (if anything), then follow their updates. Throws PolicyLoadError. */
  async init(): Promise<void> {
    // Subscribed before the first build: sources adopted from the previous config are running and can take an
    // update while it runs (they report each update once). Such an update is built on the chain after it.
    this.unsubscribe.push(this.source.subscribe(() => this.schedule('bundle')));
    for (const d of this.data) this.unsubscribe.push(d.subscribe(() => this.schedule('data')));
    const lb = this.source.latest;
    if (!lb) return;
    const first = this.build(lb).then((next) => { if (!this.closed) { this.activate(next, 'config'); this.lastGood = lb; } });
    this.chain = first.catch(() => undefined);
    await first;
  }

  private async build(lb: LoadedBundle): Promise<ActivePolicy> {
    const missing = [...this.requiredEntrypoints].filter((e) => !lb.compiled.entrypoints.includes(e));
    if (missing.length > 0) {
      throw new PolicyLoadError('entrypoints', `bundle revision "${lb.bundle.revision}" lacks entrypoint(s) used by routes: ${missing.join(', ')}`);
    }
    const engine = await buildEngine(lb, this.data.map((d) => ({ path: d.path, doc: d.latest })), this.memory, this.logger);
    return { engine, revision: lb.bundle.revision, activatedAt: Date.now() };
  }

  private activate(next: ActivePolicy, trigger: string): void {
    const prev = this.active;
    this.active = next;
    if (prev && prev.revision !== next.revision) policyMetrics.bundleRevision.remove({ bundle: this.name, revision: prev.revision });
    policyMetrics.bundleRevision.set({ bundle: this.name, revision: next.revision }, 1);
    policyMetrics.bundleLoaded.set({ bundle: this.name }, 1);
    policyMetrics.bundleLastSuccess.set({ bundle: this.name }, next.activatedAt / 1000);
    policyMetrics.bundleUpdates.inc({ bundle: this.name, result: trigger === 'data' ? 'data_applied' : 'activated' });
    this.lastError = undefined;
  }

  /** Coalesces bursts: at most one build runs, and one more is queued. */
  private schedule(trigger: string): void {
    if (this.pending || this.closed) return;
    this.pending = true;
    this.chain = this.chain.then(async () => {
      this.pending = false;
      const lb = this.source.latest;
      if (!lb || this.closed) return;
      try {
        let built: LoadedBundle = lb;
        let next: ActivePolicy;
        try {
          next = await this.build(lb);
          this.refused = undefined;
        } catch (err) {
          // new data on a bundle this target refused (e.g. it lacks a route's entrypoint): lay the data over the
          // bundle it serves instead, or a data change would wait for the next good bundle
          if (trigger !== 'data' || lb !== this.refused || !this.lastGood || this.lastGood === lb) { this.refused = lb; throw err; }
          built = this.lastGood;
          next = await this.build(built);
        }
        if (!this.closed) {
          this.activate(next, trigger);
          this.lastGood = built;
          this.logger.info({ bundle: this.name, revision: next.revision, trigger }, 'policy activated');
        }
      } catch (err) {
        this.failures++;
        this.lastError = (err as Error).message;
        policyMetrics.bundleFailures.inc({ bundle: this.name, reason: failureReason(err) });
        policyMetrics.bundleLastFailure.set({ bundle: this.name }, Date.now() / 1000);
        this.logger.warn({ bundle: this.name, trigger, error: this.lastError, kept_revision: this.active?.revision }, 'policy update rejected; keeping the active policy');
      }
    });
  }

  /** Resolves when queued rebuilds are done (tests, status). */
  settled(): Promise<void> {
    return this.chain;
  }

  close(): void {
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
  }
}
