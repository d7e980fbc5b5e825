import type { Logger } from 'pino';
import type { Stage } from '../pipeline/stage.js';
import type { KvStore } from '../store/types.js';
import type { AdminRoute } from '../server/admin-route.js';
import type { OwnedHeaders } from '../pipeline/respond.js';

/** What a module gets when it is built from config (at start and at every reload). */
export interface ModuleEnv {
  store: KvStore;
  logger: Logger;
  /** Absolute path of the config file; relative paths in the config resolve against its folder. */
  configPath: string;
  configDir: string;
  /** The instance this one replaces on reload, so caches and fetchers can be carried over. */
  previous?: ModuleInstance;
  /**
   * Where this config's modules read credentials from (every module's `credentialLocations`, merged), so
   * a module that records requests (policy decision logs) can erase them. Absent outside the runtime.
   */
  credentials?: CredentialLocations;
  /**
   * The headers Portcullis owns in this config (stripped from the client's request). Filled in once every
   * route's stages() are built (identity's forward headers are route config): read it per request, not in
   * create()/stages(). Absent outside the runtime. pipeline/owned-headers.ts reads headers through it.
   */
  owned?: OwnedHeaders;
}

/** Request places that carry credentials: header names (lower case), cookie names, query parameter names. */
export interface CredentialLocations {
  headers: readonly string[];
  cookies: readonly string[];
  query: readonly string[];
}

export interface RouteInfo {
  name: string;
  /** Index of the route in the config, for error paths (`/routes/<index>/<key>/…`). */
  index: number;
}

/**
 * A capability (identity, policy, ratelimit, threat …) plugs into the spine through this interface.
 * Its config lives under `<key>:` at the top level (global) and `routes[].<key>:` (per route).
 * Both schemas are JSON Schema (draft 2020-12 subset that Ajv compiles) and must set
 * additionalProperties: false on every object, so unknown keys are errors.
 */
export interface PortcullisModule<G = any, R = any> {
  readonly key: string;
  readonly globalSchema: object;
  readonly routeSchema: object;
  /**
   * Build the module from validated config. Throw ConfigError (config/errors.ts) with a JSON pointer
   * path for semantic errors (unknown issuer, unreadable key file…): the loader reports file:line.
   * Must not start background work that outlives close().
   */
  create(global: G | undefined, env: ModuleEnv): Promise<ModuleInstance<R>>;
  /** Where this module's config says credentials are read from (pure: from the validated config only). */
  credentialLocations?(global: G | undefined): CredentialLocations;
}

export interface ModuleInstance<R = any> {
  /** Stages for one route (may be empty). Called once per route per config load. */
  stages(route: R | undefined, info: RouteInfo): Stage[];
  /** Header names this module sets upstream: always stripped from incoming requests. */
  ownedHeaders?(): string[];
  /** False until background loads (JWKS, bundles, feeds) have succeeded once; gates /readyz. */
  ready?(): boolean;
  /** Extra admin HTTP endpoints (e.g. POST /admin/revoke). */
  adminRoutes?(): AdminRoute[];
  /** envoy.service.ratelimit.v3 ShouldRateLimit handler (the ratelimit module provides it). */
  shouldRateLimit?(request: any): Promise<any>;
  /**
   * Sees every decision after its response is built (decision logs, anomaly baselines, auth-failure
   * counts). Must not block: queue work, never await on the caller.
   */
  onDecision?(decision: import('../pipeline/decision.js').Decision): void;
  /** Called before this instance is swapped in (start timers, subscriptions); throwing keeps the previous instance live and fails the reload. */
  start?(): void | Promise<void>;
  /**
   * Stop timers and connections; called after a newer instance replaced this one, and at shutdown with
   * `deadline` (ms since the epoch: after the gRPC drain, now + server.drain_timeout_ms) by which work still
   * pending (queued security events) is given up.
   */
  close?(deadline?: number): Promise<void>;
}
