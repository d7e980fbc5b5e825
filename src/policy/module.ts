import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import { stripTrailingSlashes } from '../common/strip-slashes.js';
import { ConfigError } from '../config/errors.js';
import { readReferencedFile } from '../config/referenced-files.js';
import type { ModuleEnv, ModuleInstance, PortcullisModule, RouteInfo } from '../modules/module.js';
import type { Stage } from '../pipeline/stage.js';
import { sendJson } from '../server/admin-route.js';
import { VERSION } from '../version.js';
import type { SigningConfig, VerificationKey } from './bundle/signature.js';
import { BundleTarget } from './bundle-target.js';
import {
  normalizeEntrypoint, policyGlobalSchema, policyRouteSchema,
  type BundleConfig, type Credentials, type PolicyGlobalConfig, type PolicyRouteConfig,
} from './config.js';
import { DataSource } from './data/data-source.js';
import { FileDataSource } from './data/file-data.js';
import { RedisHashDataSource } from './data/redis-data.js';
import { DecisionLogger, DEFAULT_BUFFER_MAX_BYTES } from './decision-log/decision-logger.js';
import { credentialMasks, DEFAULT_MASKS, maskRule } from './decision-log/mask.js';
import { ConsoleSink, FileSink, HttpSink, type DecisionSink } from './decision-log/sinks.js';
import { PolicyStage } from './policy-stage.js';
import { adopt } from './shared-handle.js';
import { shadowStage } from './shadow.js';
import type { BundleSource } from './sources/bundle-source.js';
import { FileBundleSource } from './sources/file-source.js';
import { HttpBundleSource } from './sources/http-source.js';
import { DEFAULT_MEMORY, EVAL_TIMEOUT_MS, type MemoryOptions } from './wasm/engine.js';
import { storeId } from '../store/store-id.js';

interface PolicyInstance extends ModuleInstance<PolicyRouteConfig> {
  sources: BundleSource[];
  dataSources: DataSource[];
  logger?: DecisionLogger;
  targets: Map<string, BundleTarget>;
}


function authHeaders(headers: Record<string, string> | undefined, cred: Credentials | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  if (cred?.bearer) out.authorization = `${cred.bearer.scheme ?? 'Bearer'} ${cred.bearer.token}`;
  return out;
}

function joinUrl(base: string, resource: string): string {
  return `${stripTrailingSlashes(base)}/${resource.replace(/^\/+/, '')}`;
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

/** Everything create() builds; released as a whole when create fails half way. */
class Building {
  readonly sources: BundleSource[] = [];
  readonly dataSources: DataSource[] = [];
  readonly targets = new Map<string, BundleTarget>();
  logger?: DecisionLogger;

  async abandon(): Promise<void> {
    for (const t of this.targets.values()) t.close();
    await Promise.all([...this.sources, ...this.dataSources].map((h) => h.release()));
    await this.logger?.release();
  }
}

function resolvePath(env: ModuleEnv, p: string): string {
  return isAbsolute(p) ? p : resolve(env.configDir, p);
}

function loadKeys(cfg: PolicyGlobalConfig, env: ModuleEnv): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  for (const [id, k] of Object.entries(cfg.keys ?? {})) {
    const ptr = `/policy/keys/${id}`;
    if ((k.key === undefined) === (k.key_file === undefined)) throw new ConfigError(ptr, 'set exactly one of key and key_file');
    let text = k.key;
    if (k.key_file !== undefined) {
      try { text = readReferencedFile(resolvePath(env, k.key_file)); } catch (err) {
        throw new ConfigError(`${ptr}/key_file`, `cannot read key file: ${(err as NodeJS.ErrnoException).code ?? message(err)}`);
      }
    }
    if (!k.algorithm.startsWith('HS') && !/-----BEGIN [A-Z ]+-----/.test(text!)) {
      throw new ConfigError(k.key_file ? `${ptr}/key_file` : `${ptr}/key`, `a ${k.algorithm} key must be a PEM public key or certificate`);
    }
    keys.set(id, { algorithm: k.algorithm, key: text!, scope: k.scope });
  }
  return keys;
}

async function makeSource(
  name: string, b: BundleConfig, keys: Map<string, VerificationKey>, env: ModuleEnv, prev: PolicyInstance | undefined, logger: Logger,
): Promise<BundleSource> {
  const ptr = `/policy/bundles/${name}`;
  const kinds = [b.file, b.directory, b.url].filter((x) => x !== undefined).length;
  if (kinds !== 1) throw new ConfigError(ptr, 'set exactly one of file, directory and url');
  let signing: SigningConfig | undefined;
  if (b.signing) {
    if (keys.size === 0) throw new ConfigError(`${ptr}/signing`, 'signature verification needs policy.keys');
    if (b.signing.keyid && !keys.has(b.signing.keyid)) throw new ConfigError(`${ptr}/signing/keyid`, `no key "${b.signing.keyid}" under policy.keys`);
    signing = { keys, keyid: b.signing.keyid, scope: b.signing.scope, excludeFiles: b.signing.exclude_files };
  }
  const memory: MemoryOptions = { ...DEFAULT_MEMORY, maxPages: b.memory?.max_pages ?? DEFAULT_MEMORY.maxPages };
  const loadOptions = { signing, memory };
  const keyMaterial = signing ? [...keys.entries()].map(([id, k]) => [id, k.algorithm, k.key, k.scope]) : null;

  if (b.url !== undefined) {
    const min = (b.polling?.min_delay_seconds ?? 60) * 1000;
    const max = (b.polling?.max_delay_seconds ?? 120) * 1000;
    if (max < min) throw new ConfigError(`${ptr}/polling`, 'max_delay_seconds is smaller than min_delay_seconds');
    const http = {
      url: joinUrl(b.url, b.resource ?? `bundles/${name}`),
      headers: authHeaders(b.headers, b.credentials),
      minDelayMs: min,
      maxDelayMs: max,
      timeoutMs: b.timeout_ms ?? 10_000,
      maxBytes: b.max_bytes ?? 64 * 1024 * 1024,
    };
    const key = JSON.stringify({ name, kind: 'http', http, memory, keyMaterial, signing: b.signing });
    return adopt(prev?.sources, key, () => new HttpBundleSource(key, name, http, loadOptions, logger));
  }
  const isDir = b.directory !== undefined;
  const path = resolvePath(env, (b.file ?? b.directory)!);
  const key = JSON.stringify({ name, kind: isDir ? 'directory' : 'file', path, memory, keyMaterial, signing: b.signing });
  for (const h of prev?.sources ?? []) if (h.key === key && !h.isStopped) return h.retain();
  const src = new FileBundleSource(key, name, path, isDir, loadOptions, logger).retain();
  try {
    src.seed(await src.loadNow());
  } catch (err) {
    await src.release();
    throw new ConfigError(`${ptr}/${isDir ? 'directory' : 'file'}`, `cannot load bundle ${path}: ${message(err)}`);
  }
  return src;
}

async function makeDataSources(cfg: PolicyGlobalConfig, env: ModuleEnv, prev: PolicyInstance | undefined, b: Building, logger: Logger): Promise<void> {
  for (const [i, d] of (cfg.data ?? []).entries()) {
    const ptr = `/policy/data/${i}`;
    if ((d.file === undefined) === (d.redis_hash === undefined)) throw new ConfigError(ptr, 'set exactly one of file and redis_hash');
    for (const [j, name] of (d.bundles ?? []).entries()) {
      if (!cfg.bundles?.[name]) throw new ConfigError(`${ptr}/bundles/${j}`, `no bundle "${name}" under policy.bundles`);
    }
    const path = d.path.split('/');
    if (path.some((s) => s === '')) throw new ConfigError(`${ptr}/path`, 'empty path segment');
    const name = d.name ?? d.path;
    if (d.redis_hash !== undefined) {
      const opts = { hash: d.redis_hash, values: d.values ?? 'json', refreshMs: (d.refresh_seconds ?? 10) * 1000, channel: d.channel };
      const key = JSON.stringify({ kind: 'redis', name, path, opts, store: storeId(env.store) });
      b.dataSources.push(adopt(prev?.dataSources, key, () => new RedisHashDataSource(key, name, path, env.store, opts, logger)));
      continue;
    }
    const file = resolvePath(env, d.file!);
    const key = JSON.stringify({ kind: 'file', name, path, file });
    const existing = prev?.dataSources.find((h) => h.key === key && !h.isStopped);
    if (existing) { b.dataSources.push(existing.retain()); continue; }
    const src = new FileDataSource(key, name, path, file, logger).retain();
    b.dataSources.push(src);
    try {
      src.set(await src.readNow(), 'config');
    } catch (err) {
      throw new ConfigError(`${ptr}/file`, `cannot load data: ${message(err)}`);
    }
  }
}

function makeDecisionLogger(cfg: PolicyGlobalConfig, env: ModuleEnv, prev: PolicyInstance | undefined, logger: Logger): DecisionLogger | undefined {
  const dl = cfg.decision_logs;
  if (!dl) return undefined;
  const sinks: DecisionSink[] = [];
  if (dl.console) sinks.push(new ConsoleSink());
  const file = dl.file !== undefined ? resolvePath(env, dl.file) : undefined;
  if (file) sinks.push(new FileSink(file));
  const svc = dl.service && { url: dl.service.url, headers: authHeaders(dl.service.headers, dl.service.credentials), timeoutMs: dl.service.timeout_ms ?? 10_000 };
  if (svc) sinks.push(new HttpSink(svc));
  if (sinks.length === 0) throw new ConfigError('/policy/decision_logs', 'set at least one of console, file and service');
  // the defaults: the usual credential headers and every place the config reads a credential from
  const defaults = dl.mask_defaults === false ? [] : [...new Set([...DEFAULT_MASKS, ...credentialMasks(env.credentials)])];
  const masks = [
    ...defaults.map((m) => maskRule(m)),
    ...(dl.mask ?? []).map((m, i) => {
      try { return maskRule(m); } catch (err) { throw new ConfigError(`/policy/decision_logs/mask/${i}`, message(err)); }
    }),
  ];
  const opts = {
    sinks,
    masks,
    labels: { app: 'portcullis', version: VERSION, ...(dl.labels ?? {}) },
    maxBatch: dl.reporting?.max_batch_events ?? 100,
    maxDelayMs: dl.reporting?.max_delay_ms ?? 1000,
    bufferMax: dl.reporting?.buffer_max_events ?? 10_000,
    bufferMaxBytes: dl.reporting?.buffer_max_bytes ?? DEFAULT_BUFFER_MAX_BYTES,
  };
  const key = JSON.stringify({ console: dl.console, file, svc, masks, labels: opts.labels, r: [opts.maxBatch, opts.maxDelayMs, opts.bufferMax, opts.bufferMaxBytes] });
  return adopt(prev?.logger ? [prev.logger] : [], key, () => new DecisionLogger(key, opts, logger));
}

async function create(cfg: PolicyGlobalConfig | undefined, env: ModuleEnv): Promise<PolicyInstance> {
  const g = cfg ?? {};
  const prev = env.previous as PolicyInstance | undefined;
  const logger = env.logger;
  const b = new Building();
  try {
    const keys = loadKeys(g, env);
    await makeDataSources(g, env, prev, b, logger);
    for (const [name, bc] of Object.entries(g.bundles ?? {})) {
      const src = await makeSource(name, bc, keys, env, prev, logger);
      b.sources.push(src);
      const data = b.dataSources.filter((_, i) => {
        const d = g.data![i]!;
        return d.bundles === undefined || d.bundles.includes(name);
      });
      const memory = { ...DEFAULT_MEMORY, maxPages: bc.memory?.max_pages ?? DEFAULT_MEMORY.maxPages };
      const target = new BundleTarget(name, src, data, memory, logger, bc.eval_timeout_ms ?? EVAL_TIMEOUT_MS.default);
      b.targets.set(name, target);
      try {
        await target.init();
      } catch (err) {
        throw new ConfigError(`/policy/bundles/${name}`, `bundle cannot be used: ${message(err)}`);
      }
    }
    if (g.default_bundle !== undefined && !b.targets.has(g.default_bundle)) {
      throw new ConfigError('/policy/default_bundle', `no bundle "${g.default_bundle}" under policy.bundles`);
    }
    b.logger = makeDecisionLogger(g, env, prev, logger);
  } catch (err) {
    await b.abandon();
    throw err;
  }
  return instance(g, b, logger, env.owned);
}

function instance(g: PolicyGlobalConfig, b: Building, logger: Logger, owned: ModuleEnv['owned']): PolicyInstance {
  const { sources, dataSources, targets } = b;
  const decisionLogger = b.logger;
  let closed = false;
  return {
    sources, dataSources, targets, logger: decisionLogger,

    stages(rc: PolicyRouteConfig | undefined, info: RouteInfo): Stage[] {
      if (!rc) return [];
      const ptr = `/routes/${info.index}/policy`;
      const only = targets.size === 1 ? [...targets.keys()][0] : undefined;
      const bundleName = rc.bundle ?? g.default_bundle ?? only;
      if (bundleName === undefined) {
        throw new ConfigError(targets.size === 0 ? '/policy/bundles' : `${ptr}/bundle`, targets.size === 0 ? 'routes use policy but no bundle is configured' : 'name the bundle (or set policy.default_bundle)');
      }
      const target = targets.get(bundleName);
      if (!target) throw new ConfigError(`${ptr}/bundle`, `no bundle "${bundleName}" under policy.bundles`);
      const raw = rc.entrypoint ?? g.default_entrypoint;
      if (raw === undefined) throw new ConfigError(`${ptr}/entrypoint`, 'name the entrypoint (or set policy.default_entrypoint)');
      const entrypoint = normalizeEntrypoint(raw);
      if (target.active && !target.active.engine.entrypoints.has(entrypoint)) {
        const have = [...target.active.engine.entrypoints].join(', ');
        throw new ConfigError(rc.entrypoint !== undefined ? `${ptr}/entrypoint` : '/policy/default_entrypoint', `entrypoint "${entrypoint}" is not in bundle "${bundleName}" (it has: ${have})`);
      }
      target.requiredEntrypoints.add(entrypoint);
      const stage = new PolicyStage({
        route: info.name, target, entrypoint, targets,
        input: { parseBody: rc.parse_body ?? g.parse_body ?? true, owned },
        shadow: rc.shadow === true,
        decisionLog: rc.decision_logs === false ? undefined : decisionLogger,
        logger,
      });
      return [rc.shadow ? shadowStage(stage, info.name, logger) : stage];
    },

    ready() {
      return [...targets.values()].every((t) => t.active !== undefined) && dataSources.every((d) => d.loaded);
    },

    adminRoutes() {
      return [{
        method: 'GET' as const,
        path: '/admin/policy',
        handle(_req, res) {
          sendJson(res, 200, {
            bundles: Object.fromEntries([...targets].map(([name, t]) => [name, {
              active_revision: t.active?.revision ?? null,
              activated_at: t.active ? new Date(t.active.activatedAt).toISOString() : null,
              entrypoints: t.active ? [...t.active.engine.entrypoints] : [],
              source: t.source.status,
              rejected_updates: t.failures,
              last_error: t.lastError ?? t.source.status.lastError ?? null,
            }])),
            data: dataSources.map((d) => d.status),
          });
        },
      }];
    },

    start() {
      for (const s of sources) s.start();
      for (const d of dataSources) d.start();
      decisionLogger?.start();
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const t of targets.values()) t.close();
      await Promise.all([...sources, ...dataSources].map((h) => h.release()));
      await decisionLogger?.release();
    },
  };
}

/** The policy capability: OPA Wasm bundles evaluated in the authorize phase. */
export const policyModule: PortcullisModule<PolicyGlobalConfig, PolicyRouteConfig> = {
  key: 'policy',
  globalSchema: policyGlobalSchema,
  routeSchema: policyRouteSchema,
  create,
};
