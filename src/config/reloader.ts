import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { buildRuntime, closeRuntime, type Runtime } from '../pipeline/runtime.js';
import { createStore } from '../store/index.js';
import type { KvStore } from '../store/types.js';
import { metrics } from '../telemetry/metrics.js';
import { DEFAULT_CONFIG_YAML, EMBEDDED_CONFIG_NAME } from './defaults.js';
import { ConfigLoadError } from './errors.js';
import { FileWatches } from './file-watches.js';
import { InFlight } from './in-flight.js';
import { loadConfigFile, parseConfig, type LoadedConfig } from './loader.js';

/** `shuttingDown`: refused because shutdown began (not the config's fault). */
export interface ReloadResult { ok: boolean; error?: string; shuttingDown?: true }

/**
 * Holds the live Runtime. A reload builds a whole new Runtime aside (validate → compile → create modules)
 * and swaps the reference in one assignment; Checks already running finish on the old one, which is closed
 * when they have (bounded by `server.drain_timeout_ms`). On any failure the last good Runtime stays, the
 * error is logged and counted.
 */
export class RuntimeHolder {
  current!: Runtime;
  store!: KvStore;
  private storeKey = '';
  private chain: Promise<unknown> = Promise.resolve();
  private debounce?: NodeJS.Timeout;
  /** The config file and the files the live config refers to (keys, secrets, certificates…), once watch() is called. */
  private watches?: FileWatches;
  /** Calls running on each runtime (see run()). */
  private readonly inFlight = new WeakMap<Runtime, InFlight>();
  /** Replaced runtimes waiting for their calls to finish before they are closed. */
  private readonly retiring = new Set<Promise<void>>();

  /** Set when shutdown begins (beginShutdown()): reloads are refused, one still building closes what it built. */
  private shuttingDown = false;
  /** Told of every runtime swapped in by a reload (see onSwap()). */
  private readonly swapListeners = new Set<(rt: Runtime) => void>();

  /** The level the process started with (PORTCULLIS_LOG_LEVEL or info): a config without log.level has it. */
  private readonly startLevel: string;

  constructor(readonly file: string | undefined, private readonly logger: Logger) {
    this.startLevel = logger.level;
  }

  private load(): LoadedConfig {
    return this.file ? loadConfigFile(this.file) : parseConfig(DEFAULT_CONFIG_YAML, EMBEDDED_CONFIG_NAME);
  }

  /** First load: throws ConfigLoadError so the process can exit non-zero with the list. */
  async start(): Promise<void> {
    const r = await this.swapIn();
    if (!r.ok) throw r.err;
  }

  /**
   * Runs `fn` on the live runtime. A reload meanwhile does not close that runtime (its stores, key sets,
   * policy workers, sinks) until `fn` has settled, or `server.drain_timeout_ms` has passed.
   */
  run<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
    const rt = this.current;
    const flights = this.flightsOf(rt);
    flights.enter();
    let p: Promise<T>;
    try { p = fn(rt); } catch (err) { flights.leave(); return Promise.reject(err); }
    return p.finally(() => flights.leave());
  }

  /**
   * `fn` runs after each successful reload, with the runtime now live (not for the first load: the caller has
   * that one after start()). Returns a function that removes it. A listener that throws is logged, and the
   * reload stays done.
   */
  onSwap(fn: (rt: Runtime) => void): () => void {
    this.swapListeners.add(fn);
    return () => { this.swapListeners.delete(fn); };
  }

  /** Calls running now on the live runtime (tests, diagnostics). */
  inFlightCount(rt: Runtime = this.current): number { return this.inFlight.get(rt)?.count ?? 0; }

  private flightsOf(rt: Runtime): InFlight {
    let f = this.inFlight.get(rt);
    if (f === undefined) { f = new InFlight(); this.inFlight.set(rt, f); }
    return f;
  }

  /** Closes a replaced runtime (and the store it alone used) once the calls running on it have finished. */
  private retire(old: Runtime, oldStore: KvStore | undefined): void {
    const ms = old.config.server?.drain_timeout_ms ?? 5000;
    const p = (async () => {
      const flights = this.flightsOf(old);
      if (!(await flights.idle(ms))) {
        this.logger.warn({ in_flight: flights.count, drain_timeout_ms: ms }, 'closing the replaced config with calls still running on it');
      }
      // its sinks deliver what they queued for at most drain_timeout_ms more (a stuck receiver would hold a shutdown)
      await closeRuntime(old, Date.now() + ms).catch(() => undefined);
      await oldStore?.close().catch(() => undefined);
    })();
    this.retiring.add(p);
    void p.finally(() => this.retiring.delete(p));
  }

  /**
   * Shutdown has begun (SIGTERM): from now on reloads (SIGHUP, POST /reload, a file change) are refused and
   * logged, and a reload still building closes what it built instead of swapping it in, so nothing is left
   * that close() would not close.
   */
  beginShutdown(): void {
    this.shuttingDown = true;
    clearTimeout(this.debounce);
  }

  private refused(reason: string): ReloadResult {
    this.logger.warn({ reason }, 'reload refused: shutting down');
    return { ok: false, error: 'reload refused: shutting down', shuttingDown: true };
  }

  /** Reloads are serialized; concurrent calls queue behind each other. */
  reload(reason: string): Promise<ReloadResult> {
    if (this.shuttingDown) return Promise.resolve(this.refused(reason));
    const next = this.chain.then(async () => {
      if (this.shuttingDown) return this.refused(reason);
      const r = await this.swapIn();
      if (r.ok === 'refused') return this.refused(reason);
      if (r.ok) {
        this.logger.info({ reason, file: this.current.file }, 'config reloaded');
        return { ok: true };
      }
      const error = r.err instanceof Error ? r.err.message : String(r.err);
      this.logger.error({ reason, errors: error.split('\n') }, 'config reload failed; keeping the last good config');
      return { ok: false, error };
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async swapIn(): Promise<{ ok: true } | { ok: false; err: unknown } | { ok: 'refused' }> {
    let newStore: KvStore | undefined;
    const liveLevel = this.logger.level;
    try {
      const loaded = this.load();
      // log.level is the config's like log.allows: set before the build, so the new modules' loggers have it
      this.logger.level = loaded.config.log?.level ?? this.startLevel;
      const key = JSON.stringify(loaded.config.store ?? { kind: 'memory' });
      let store = this.store;
      if (key !== this.storeKey) { newStore = createStore(loaded.config.store, this.logger.child({ component: 'store' })); store = newStore; }
      const rt = await buildRuntime(loaded, store, this.logger, this.current);
      // started before the swap: a module whose start() throws leaves the old runtime (and store) live and
      // whole, and the new one is closed, as for any other failed reload
      try {
        for (const m of rt.modules.values()) await m.start?.();
      } catch (err) {
        await closeRuntime(rt).catch(() => undefined);
        throw err;
      }
      const old = this.current;
      if (old && this.shuttingDown) {
        // shutdown began while this reload was building: close() closes the live runtime, so this one closes here
        this.logger.level = liveLevel;
        await closeRuntime(rt).catch(() => undefined);
        await newStore?.close().catch(() => undefined);
        return { ok: 'refused' };
      }
      const oldStore = newStore ? this.store : undefined;
      this.current = rt;
      if (newStore) { this.store = newStore; this.storeKey = key; }
      // the watched files follow the live config; a failed reload keeps watching the last good one's
      this.watches?.follow(this.watched(rt));
      metrics.configReloads.inc({ result: 'success' });
      metrics.configLastSuccess.set(Date.now() / 1000);
      if (old) this.retire(old, oldStore);
      if (old) {
        for (const fn of this.swapListeners) {
          try { fn(rt); } catch (err) { this.logger.error({ err }, 'a config reload listener failed'); }
        }
      }
      return { ok: true };
    } catch (err) {
      this.logger.level = liveLevel;
      await newStore?.close().catch(() => undefined);
      metrics.configReloads.inc({ result: err instanceof ConfigLoadError ? 'invalid' : 'error' });
      return { ok: false, err };
    }
  }

  /**
   * Reload when the config file or a file it refers to changes. Watching their folders catches editors'
   * write-and-rename and a Kubernetes ConfigMap/Secret volume's update, which renames a new `..data` link
   * over the old one (the file is a link through `..data`): that rename is a change of the file too. The
   * files the config refers to and compiled in: a rotated key, secret or certificate (cert-manager, an IdP's
   * new certificate) reloads the config as an edit does.
   */
  watch(): void {
    if (!this.file || this.watches) return;
    const config = resolve(this.file);
    this.watches = new FileWatches((changed) => this.reloadSoon(changed === config ? 'file changed' : `referenced file changed: ${changed}`), this.logger);
    this.watches.follow(this.watched(this.current));
  }

  /** The files to watch while `rt` is live: the config file and what it refers to. */
  private watched(rt: Runtime | undefined): string[] {
    return this.file ? [resolve(this.file), ...(rt?.files ?? [])] : [];
  }

  /** Debounced: an editor's or the kubelet's several events (and config + referenced files changed together) make one reload. */
  private reloadSoon(reason: string): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload(reason), 150);
  }

  /** `deadline` (ms since the epoch): the live runtime's modules give up pending work then (ModuleInstance.close). */
  async close(deadline?: number): Promise<void> {
    this.beginShutdown();
    // cleared first: a reload still finishing must not open watchers again
    const watches = this.watches;
    this.watches = undefined;
    watches?.close();
    await this.chain.catch(() => undefined);
    await Promise.all([...this.retiring]);
    if (this.current) await closeRuntime(this.current, deadline);
    await this.store?.close();
  }
}
