import type { ValidateFunction } from 'ajv';
import { ConfigError } from '../config/errors.js';
import { readReferencedFile } from '../config/referenced-files.js';
import type { RouteInfo } from '../modules/module.js';
import type { BotOptions } from './bot.js';
import type { ThreatRouteConfig } from './config.js';
import type { CsrfOptions } from './csrf.js';
import type { DetectorOptions, InjectionFamily, ParanoiaLevel } from './detectors/index.js';
import { compileExclusions, type Exclusions, parseExclusions } from './exclude.js';
import type { PartialBody } from './inputs.js';
import type { PrefixTrie } from './ip/trie.js';
import { compileCidrs, type ThreatState } from './state.js';
import { compileSchema, type ValidationOptions } from './validation.js';

/** One route's threat settings, compiled at config load. */
export interface RouteThreat {
  name: string;
  mode: 'enforce' | 'detect';
  block: number;
  throttle: number;
  ban: boolean;
  detector: DetectorOptions;
  /** Inputs some or all detectors do not read (global and route `exclude`); undefined when none. */
  exclusions?: Exclusions;
  /** A body Envoy sent only in part: refused (the certain oversize finding) or read as far as it goes (a counted fail-open). */
  partialBody: PartialBody;
  upstreamHeader: boolean;
  allow?: PrefixTrie<true>;
  blockList?: PrefixTrie<true>;
  geoAllow?: ReadonlySet<string>;
  geoDeny?: ReadonlySet<string>;
  geoUnknown: 'allow' | 'deny';
  bot?: BotOptions;
  anomaly: boolean;
  csrf?: CsrfOptions;
  validation?: ValidationOptions;
}

const STATE_CHANGING = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** A route's mode and score thresholds: its own, else the global ones (`threat.mode`, `threat.scoring`). */
export function routeThresholds(s: ThreatState, rc: ThreatRouteConfig): { mode: 'enforce' | 'detect'; block: number; throttle: number } {
  const block = rc.block ?? s.block;
  return { mode: rc.mode === 'detect' || rc.mode === 'enforce' ? rc.mode : s.mode, block, throttle: rc.throttle ?? Math.min(s.throttle, block) };
}

export function compileRoute(s: ThreatState, rc: ThreatRouteConfig, info: RouteInfo): RouteThreat {
  const base = `/routes/${info.index}/threat`;
  const { mode, block, throttle } = routeThresholds(s, rc);
  if (throttle > block) throw new ConfigError(`${base}/throttle`, `throttle (${throttle}) must not be above block (${block})`);
  const geoCfg = rc.geo;
  if (geoCfg && !s.geo) throw new ConfigError(`${base}/geo`, 'geo rules need a database: set threat.geo.database');
  const r: RouteThreat = {
    name: info.name,
    mode,
    block,
    throttle,
    ban: (rc.ban ?? true) && s.banTtlMs > 0,
    detector: {
      families: rc.families ? new Set(rc.families as InjectionFamily[]) : s.families,
      markup: rc.markup ?? s.markup,
      minConfidence: s.minConfidence,
      paranoia: (rc.paranoia ?? s.paranoia) as ParanoiaLevel,
    },
    partialBody: rc.partial_body ?? 'refuse',
    upstreamHeader: rc.upstream_header ?? s.upstreamHeader,
    allow: rc.ip?.allow ? compileCidrs(rc.ip.allow, `${base}/ip/allow`) : undefined,
    blockList: rc.ip?.block ? compileCidrs(rc.ip.block, `${base}/ip/block`) : undefined,
    geoAllow: geoCfg?.allow_countries ? new Set(geoCfg.allow_countries.map((c) => c.toUpperCase())) : s.geoAllow,
    geoDeny: geoCfg?.deny_countries ? new Set(geoCfg.deny_countries.map((c) => c.toUpperCase())) : s.geoDeny,
    geoUnknown: geoCfg?.unknown ?? s.geoUnknown,
    bot: rc.bot?.enabled === false || !s.bot ? undefined : rc.bot?.automation !== undefined ? { ...s.bot, automation: rc.bot.automation } : s.bot,
    anomaly: rc.anomaly?.enabled ?? s.anomaly !== undefined,
  };
  r.exclusions = compileExclusions(s.exclusions, parseExclusions(rc.exclude, `${base}/exclude`, s.inputs), r.detector);
  if ((rc.bot?.enabled || rc.bot?.automation !== undefined) && rc.bot?.enabled !== false && !s.bot) {
    throw new ConfigError(`${base}/bot`, 'bot detection is disabled globally (threat.bot.enabled: false)');
  }
  if (rc.anomaly?.enabled && !s.anomaly) throw new ConfigError(`${base}/anomaly/enabled`, 'anomaly detection is disabled globally (threat.anomaly.enabled: false)');
  if (rc.csrf) {
    const c = rc.csrf;
    r.csrf = {
      allowedOrigins: new Set((c.allowed_origins ?? []).map((o) => o.toLowerCase())),
      methods: new Set(c.methods ?? STATE_CHANGING),
      sessionCookies: c.session_cookies ?? [],
      allowSameSite: c.allow_same_site ?? false,
      requireOrigin: c.require_origin ?? true,
      token: c.token ? { cookie: c.token.cookie, header: c.token.header.toLowerCase() } : undefined,
    };
  }
  if (rc.validation) {
    const v = rc.validation;
    const schemas = new Map<string, ValidateFunction>();
    for (const [method, schema] of Object.entries(v.schemas ?? {})) schemas.set(method, compileSchema(schema, `${base}/validation/schemas/${method}`, s.schemas));
    for (const [method, file] of Object.entries(v.schema_files ?? {})) {
      const ptr = `${base}/validation/schema_files/${method}`;
      if (schemas.has(method)) throw new ConfigError(ptr, `method ${method} has both an inline schema and a schema file`);
      let doc: unknown;
      try { doc = JSON.parse(readReferencedFile(s.path(file))); }
      catch (err) { throw new ConfigError(ptr, `cannot read JSON Schema ${file}: ${(err as Error).message}`); }
      schemas.set(method, compileSchema(doc, ptr, s.schemas));
    }
    r.validation = {
      contentTypes: (v.content_types ?? []).map((t) => t.toLowerCase()),
      maxBodyBytes: v.max_body_bytes,
      maxHeaders: v.max_headers,
      maxHeaderBytes: v.max_header_bytes,
      schemas,
      maxViolations: v.max_violations ?? 20,
      // a compressed body is decompressed once, for validation and inspection alike (content-coding.ts)
      maxDecodedBytes: s.inputs.maxTotalBytes,
    };
  }
  return r;
}
