import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/loader.js';
import { ConfigError, ConfigLoadError, formatProblem } from '../config/errors.js';
import type { PortcullisConfig } from '../config/types.js';
import { recordReferencedFiles } from '../config/referenced-files.js';
import { MODULES } from '../modules/index.js';
import { loadAdminTokenDigest } from '../server/admin-auth.js';
import type { CredentialLocations, ModuleInstance } from '../modules/module.js';
import { ownedAllowRules } from '../rules/owned-allow.js';
import { staticRulesStage } from '../rules/static-rules.js';
import type { KvStore } from '../store/types.js';
import { DEFAULT_REQUEST_LIMITS, type ContextOptions } from './context-builder.js';
import { Deny } from './deny.js';
import { RouteTable, type CompiledRoute } from './route-table.js';
import { setUpstreamHeaders } from './upstream-headers.js';
import { DEFAULT_OWNED, type OwnedHeaders } from './respond.js';
import { PHASES, type Stage } from './stage.js';
import { throttleWithoutLimit } from '../threat/throttle-warning.js';

/** Everything a Check needs, built once per config load and swapped atomically. */
export interface Runtime {
  config: PortcullisConfig;
  file: string;
  table: RouteTable;
  /** undefined: allow requests that match no route. */
  noRoute?: Deny;
  owned: OwnedHeaders;
  contextOptions: ContextOptions;
  modules: Map<string, ModuleInstance>;
  logAllows: boolean;
  /**
   * Files the config refers to that this load read and compiled in (keys, secrets, certificates, IdP
   * metadata, schemas): absolute paths. The RuntimeHolder watches them and reloads when one changes.
   */
  files: readonly string[];
  /** SHA-256 of `server.admin.token_file`'s token, read at this load; undefined: the admin port needs none. */
  adminTokenDigest?: Buffer;
  /** Problems of this config that are not errors (`file:line:col: path: message`), logged at load; validate-config prints them. */
  warnings?: readonly string[];
}

const PHASE_ORDER = new Map(PHASES.map((p, i) => [p, i]));

/** Every module's credential locations for this config, merged (config is already schema-valid). */
function credentialLocations(cfg: PortcullisConfig): CredentialLocations {
  const headers = new Set<string>();
  const cookies = new Set<string>();
  const query = new Set<string>();
  for (const m of MODULES) {
    const l = m.credentialLocations?.(cfg[m.key]);
    if (!l) continue;
    for (const h of l.headers) headers.add(h.toLowerCase());
    for (const c of l.cookies) cookies.add(c);
    for (const q of l.query) query.add(q);
  }
  return { headers: [...headers], cookies: [...cookies], query: [...query] };
}

export async function buildRuntime(
  loaded: LoadedConfig, store: KvStore, logger: Logger, previous?: Runtime,
): Promise<Runtime> {
  const { value, files } = await recordReferencedFiles(() => build(loaded, store, logger, previous));
  return { ...value, files };
}

async function build(
  loaded: LoadedConfig, store: KvStore, logger: Logger, previous?: Runtime,
): Promise<Omit<Runtime, 'files'>> {
  const cfg = loaded.config;
  const configDir = loaded.file.replace(/[/\\][^/\\]*$/, '') || '.';
  const modules = new Map<string, ModuleInstance>();
  // every compile error of the file is collected (as the schema's are), then reported together
  const problems: ReturnType<LoadedConfig['problem']>[] = [];
  const collect = (err: unknown): void => {
    if (err instanceof ConfigError) problems.push(loaded.problem(err.path, err.message));
    else throw err;
  };
  try {
    let adminTokenDigest: Buffer | undefined;
    try { adminTokenDigest = loadAdminTokenDigest(cfg.server?.admin?.token_file, configDir); } catch (err) { collect(err); }
    const credentials = credentialLocations(cfg);
    // one object, handed to the modules now and completed below (route config names owned headers)
    const ownedNames = new Set<string>();
    const owned: OwnedHeaders = { prefixes: cfg.owned_header_prefixes ?? DEFAULT_OWNED.prefixes, names: ownedNames };
    for (const m of MODULES) {
      try {
        modules.set(m.key, await m.create(cfg[m.key], {
          store, logger: logger.child({ module: m.key }), configPath: loaded.file, configDir,
          previous: previous?.modules.get(m.key), credentials, owned,
        }));
      } catch (err) { collect(err); }
    }

    const routes = (cfg.routes ?? []).map((rc, index) => {
      const stages: Stage[] = [];
      try {
        const sr = staticRulesStage(rc, index);
        if (sr) stages.push(sr);
      } catch (err) { collect(err); }
      for (const m of MODULES) {
        const inst = modules.get(m.key);
        if (inst === undefined) continue; // its create() failed: already reported
        try { stages.push(...inst.stages(rc[m.key], { name: rc.name, index })); } catch (err) { collect(err); }
      }
      // stable sort by phase: within a phase, static rules first, then module order
      stages.sort((a, b) => PHASE_ORDER.get(a.phase)! - PHASE_ORDER.get(b.phase)!);
      if (rc.upstream_headers) {
        const pairs = Object.entries(rc.upstream_headers).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
        for (const [k] of pairs) ownedNames.add(k);
        stages.push({ name: 'upstream_headers', phase: 'respond', run(ctx) { setUpstreamHeaders(ctx, pairs); } });
      }
      const compiled: CompiledRoute = { name: rc.name, index, failOpen: rc.fail_open ?? false, stages };
      return { cfg: rc, compiled };
    });
    const table = new RouteTable(routes, collect);
    // asked after stages(): a module may own headers named in route config (identity forward headers)
    for (const inst of modules.values()) for (const h of inst.ownedHeaders?.() ?? []) ownedNames.add(h.toLowerCase());
    ownedAllowRules(cfg.routes ?? [], owned, collect);
    if (problems.length > 0) {
      // in file order (stable: problems without a line keep theirs)
      problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
      throw new ConfigLoadError(problems);
    }
    // what one module's config does not do without another's (a threat throttle without a throttled rate limit)
    const warnings = throttleWithoutLimit(cfg, modules.get('threat')).map((w) => {
      logger.warn({ config: loaded.file, path: w.pointer, route: w.route }, w.message);
      return formatProblem(loaded.problem(w.pointer, w.message));
    });
    const da = cfg.default_action ?? { action: 'deny' };
    const rl = cfg.request_limits ?? {};
    return {
      config: cfg,
      file: loaded.file,
      table,
      noRoute: da.action === 'deny' ? new Deny('ERR_NO_ROUTE', 'no route for this request', da.status ?? 403) : undefined,
      owned,
      contextOptions: {
        limits: {
          maxPathBytes: rl.max_path_bytes ?? DEFAULT_REQUEST_LIMITS.maxPathBytes,
          maxHeaders: rl.max_headers ?? DEFAULT_REQUEST_LIMITS.maxHeaders,
          maxHeaderBytes: rl.max_header_bytes ?? DEFAULT_REQUEST_LIMITS.maxHeaderBytes,
          maxBodyBytes: rl.max_body_bytes ?? DEFAULT_REQUEST_LIMITS.maxBodyBytes,
        },
        trustedHops: cfg.client_ip?.trusted_hops ?? 0,
      },
      modules,
      logAllows: cfg.log?.allows ?? false,
      adminTokenDigest,
      warnings,
    };
  } catch (err) {
    // a failed build must not leak what it already started
    await Promise.all([...modules.values()].map((m) => m.close?.().catch(() => undefined)));
    throw err;
  }
}

/** `deadline`: see ModuleInstance.close (shutdown). */
export async function closeRuntime(rt: Runtime, deadline?: number): Promise<void> {
  await Promise.all([...rt.modules.values()].map((m) => m.close?.(deadline).catch(() => undefined)));
}
