import { ConfigError } from '../../config/errors.js';
import type { OwnedHeaders } from '../../pipeline/respond.js';
import type { Algorithm, FailureMode, LimitRule } from '../rule.js';
import { periodProblem, type Unit } from '../units.js';
import { compilePart, type KeyPart } from './key-parts.js';

/** One limit of the Check limit phase, as written in the config (route `ratelimit.limits[]` or global `ratelimit.limits.<name>`). */
export interface CheckLimitConfig {
  name?: string;
  by: string | string[];
  requests_per_unit: number;
  unit: Unit;
  unit_multiplier?: number;
  algorithm?: Algorithm;
  burst?: number;
  /** Tighter limit while ctx.facts['threat.throttle'] is true (set by the threat module). */
  throttled_requests_per_unit?: number;
  /** Limit by identity.plan (API-key plan / tier); plans not listed use requests_per_unit. */
  plans?: Record<string, number>;
  shadow_mode?: boolean;
  failure_mode?: FailureMode;
  /** Inline route limits only: what one request costs (default 1; 0 checks without consuming). */
  hits_addend?: number;
}

/** A route's use of a named global limit at its own cost. */
export interface CheckLimitRef { limit: string; hits_addend: number }

export interface CompiledLimit {
  rule: LimitRule;
  parts: KeyPart[];
  /** Key prefix: `check|<limit id>`. */
  prefix: string;
  plans?: Map<string, number>;
  throttled?: number;
  redact: boolean;
  /** What one request costs against this limit on this route (hits_addend; default 1). */
  hits: number;
}

export interface CompileDefaults {
  failureMode: FailureMode;
  ipv6PrefixLength: number;
  /** The config's owned headers (ModuleEnv.owned): `header:<name>` reads those as forwarded. */
  owned?: OwnedHeaders;
}

/**
 * Compile one limit. `id` names the counter family: a global named limit is shared by every route that
 * lists it; an inline limit belongs to its route (`<route>/<name>`).
 */
export function compileLimit(id: string, c: CheckLimitConfig, pointer: string, d: CompileDefaults): CompiledLimit {
  const algorithm = c.algorithm ?? 'fixed_window';
  if (c.burst !== undefined && algorithm !== 'gcra') throw new ConfigError(`${pointer}/burst`, 'burst applies to algorithm: gcra only');
  if (c.throttled_requests_per_unit !== undefined && c.throttled_requests_per_unit > c.requests_per_unit) {
    throw new ConfigError(`${pointer}/throttled_requests_per_unit`, `must not be above requests_per_unit (${c.requests_per_unit}): it is the tighter limit for throttled clients`);
  }
  const tooLong = periodProblem({ unit: c.unit, multiplier: c.unit_multiplier ?? 1 });
  if (tooLong) throw new ConfigError(`${pointer}/unit_multiplier`, tooLong);
  const specs = Array.isArray(c.by) ? c.by : [c.by];
  if (new Set(specs).size !== specs.length) throw new ConfigError(`${pointer}/by`, 'lists the same key twice');
  const parts = specs.map((s) => compilePart(s, d.ipv6PrefixLength, d.owned));
  const rule: LimitRule = {
    domain: 'check',
    descriptor: id,
    name: id,
    requestsPerUnit: c.requests_per_unit,
    period: { unit: c.unit, multiplier: c.unit_multiplier ?? 1 },
    algorithm,
    burst: c.burst ?? 0,
    shadowMode: c.shadow_mode ?? false,
    failureMode: c.failure_mode ?? d.failureMode,
    detailed: false,
  };
  return {
    rule,
    parts: parts.map((p) => p.fn),
    prefix: `check|${id.replace(/\|/g, '%7C')}`,
    plans: c.plans ? new Map(Object.entries(c.plans)) : undefined,
    throttled: c.throttled_requests_per_unit,
    redact: parts.some((p) => p.redact),
    hits: c.hits_addend ?? 1,
  };
}
