import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import type { ModuleEnv, ModuleInstance, RouteInfo } from '../modules/module.js';
import type { AdminRoute } from '../server/admin-route.js';
import type { Stage } from '../pipeline/stage.js';
import { adminRoutes } from './admin.js';
import { compileLimit, type CheckLimitConfig, type CompileDefaults, type CompiledLimit } from './check/limits.js';
import { LimitStage } from './check/stage.js';
import { loadDomainDir, type DomainSet } from './envoy-config/loader.js';
import { formatRlsProblem, type RlsProblem } from './envoy-config/problems.js';
import { DirWatcher, type ConfigState } from './envoy-config/watcher.js';
import { Limiter } from './limiter.js';
import { rlMetrics } from './metrics.js';
import { buildState, type LimiterState } from './parts.js';
import { RlsHandler } from './rls/handler.js';
import type { RatelimitRouteConfig, Settings } from './settings.js';
import type { StoreFailure } from './store/types.js';
import { escapePointer } from '../config/env.js';

const EMPTY: DomainSet = { domains: new Map(), files: [], loadedAt: 0 };
const FAILURE_LOG_EVERY_MS = 5000;

/** The ratelimit module built from one config: ShouldRateLimit, the Check limit stages, admin routes. */
export class RatelimitInstance implements ModuleInstance<RatelimitRouteConfig> {
  readonly state: LimiterState;
  readonly limiter: Limiter;
  readonly config: ConfigState;
  private readonly rls: RlsHandler;
  private readonly named = new Map<string, CompiledLimit>();
  private readonly routeLimits: string[] = [];
  private watcher?: DirWatcher;
  private lastFailureLog = 0;
  private readonly logger: Logger;
  private readonly compile: CompileDefaults;

  constructor(readonly settings: Settings, env: ModuleEnv, clock: () => number = Date.now) {
    this.logger = env.logger;
    this.compile = { failureMode: settings.failureMode, ipv6PrefixLength: settings.ipv6PrefixLength, owned: env.owned };
    this.config = { current: EMPTY, lastAttempt: 0 };
    const dir = settings.configDir;
    let load: (() => { set?: DomainSet; problems: RlsProblem[] }) | undefined;
    if (dir !== undefined) {
      const abs = isAbsolute(dir) ? dir : resolve(env.configDir, dir);
      load = () => loadDomainDir(abs, { strict: settings.strict, failureMode: settings.failureMode, mergeDomains: settings.mergeDomains }, dir);
      const r = load();
      this.config.lastAttempt = Date.now();
      if (!r.set) {
        rlMetrics.configLoads.inc({ result: 'invalid' });
        throw new ConfigError('/ratelimit/config_dir', `invalid rate limit config:\n  ${r.problems.map(formatRlsProblem).join('\n  ')}`);
      }
      rlMetrics.configLoads.inc({ result: 'success' });
      this.config.current = r.set;
      this.watcher = new DirWatcher(abs, this.config, load, env.logger);
    }
    for (const [name, c] of Object.entries(settings.limits)) {
      this.named.set(name, compileLimit(name, c, `/ratelimit/limits/${escapePointer(name)}`, this.compile));
    }
    const prev = env.previous instanceof RatelimitInstance ? env.previous.state : undefined;
    this.state = buildState(env.store, settings, prev, clock);
    this.limiter = new Limiter({
      store: this.state.counters,
      local: this.state.local,
      nearCache: this.state.nearCache,
      offenders: this.state.offenders,
      nearLimitRatio: settings.nearLimitRatio,
      hashTag: settings.hashTag,
      clock,
      onStoreFailure: (err) => this.logFailure(err),
    });
    this.rls = new RlsHandler(this.config, this.limiter, {
      headers: settings.headers, globalShadowMode: settings.globalShadowMode, failureMode: settings.failureMode,
    });
  }

  stages(route: RatelimitRouteConfig | undefined, info: RouteInfo): Stage[] {
    if (route === undefined) return [];
    const base = `/routes/${info.index}/ratelimit/limits`;
    const seen = new Set<string>();
    const limits = route.limits.map((l, j) => {
      let compiled: CompiledLimit | undefined;
      if (typeof l === 'string' || 'limit' in l) {
        const name = typeof l === 'string' ? l : l.limit;
        const at = typeof l === 'string' ? `${base}/${j}` : `${base}/${j}/limit`;
        compiled = this.named.get(name);
        if (compiled === undefined) throw new ConfigError(at, `unknown limit "${name}" (define it under ratelimit.limits)`);
        // the route's own cost against the shared counter
        if (typeof l !== 'string') compiled = { ...compiled, hits: l.hits_addend };
      } else {
        compiled = compileLimit(`${info.name}/${l.name ?? j}`, l as CheckLimitConfig, `${base}/${j}`, this.compile);
      }
      if (seen.has(compiled.rule.name)) throw new ConfigError(`${base}/${j}`, `limit "${compiled.rule.name}" is listed twice`);
      seen.add(compiled.rule.name);
      return compiled;
    });
    this.routeLimits.push(...limits.map((l) => l.rule.name));
    return [new LimitStage(limits, this.limiter, route.response_headers ?? this.settings.headers)];
  }

  shouldRateLimit(request: any): Promise<any> {
    try {
      return Promise.resolve(this.rls.handle(request));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  adminRoutes(): AdminRoute[] {
    return adminRoutes(this.settings, this.config, this.state, () => [...new Set(this.routeLimits)]);
  }

  start(): void {
    if (this.settings.watch) this.watcher?.start();
  }

  /** Re-read the envoyproxy/ratelimit config directory now; false (last good kept) on any problem. */
  reloadConfigDir(reason: string): boolean {
    return this.watcher?.reload(reason) ?? false;
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.state.local.release();
  }

  private logFailure(err: StoreFailure): void {
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_EVERY_MS) return;
    this.lastFailureLog = now;
    this.logger.warn({ reason: err.reason, err: err.message, store: this.state.counters.kind }, 'rate-limit store unavailable; answering by failure modes');
  }
}
