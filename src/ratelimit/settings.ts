import type { CheckLimitConfig, CheckLimitRef } from './check/limits.js';
import type { HeaderFormat } from './headers.js';
import type { FailureMode } from './rule.js';

/** `ratelimit:` at the top level of the Portcullis config (validated by schema.ts). */
export interface RatelimitGlobalConfig {
  config_dir?: string;
  watch?: boolean;
  strict_envoy_format?: boolean;
  merge_domain_config?: boolean;
  shadow_mode?: boolean;
  response_headers?: HeaderFormat;
  near_limit_ratio?: number;
  failure_mode?: FailureMode;
  ipv6_prefix_length?: number;
  redis?: { deadline_ms?: number; hash_tag?: 'domain' | 'key'; key_prefix?: string; breaker?: { failures?: number; open_ms?: number } };
  near_cache?: { max_keys?: number };
  local?: { max_keys?: number };
  top_offenders?: { size?: number; reveal_values?: boolean };
  limits?: Record<string, CheckLimitConfig>;
}

/** `routes[].ratelimit:` */
export interface RatelimitRouteConfig {
  limits: Array<string | CheckLimitRef | CheckLimitConfig>;
  response_headers?: HeaderFormat;
}

/** Every setting with its default filled in. */
export interface Settings {
  configDir?: string;
  watch: boolean;
  strict: boolean;
  mergeDomains: boolean;
  globalShadowMode: boolean;
  headers: HeaderFormat;
  nearLimitRatio: number;
  failureMode: FailureMode;
  ipv6PrefixLength: number;
  deadlineMs: number;
  hashTag: 'domain' | 'key';
  keyPrefix: string;
  breakerFailures: number;
  breakerOpenMs: number;
  nearCacheMaxKeys: number;
  localMaxKeys: number;
  offendersSize: number;
  revealValues: boolean;
  limits: Record<string, CheckLimitConfig>;
}

export function settingsOf(g: RatelimitGlobalConfig | undefined): Settings {
  const c = g ?? {};
  return {
    configDir: c.config_dir,
    watch: c.watch ?? true,
    strict: c.strict_envoy_format ?? false,
    mergeDomains: c.merge_domain_config ?? false,
    globalShadowMode: c.shadow_mode ?? false,
    headers: c.response_headers ?? 'ietf',
    nearLimitRatio: c.near_limit_ratio ?? 0.8,
    failureMode: c.failure_mode ?? 'closed',
    ipv6PrefixLength: c.ipv6_prefix_length ?? 64,
    deadlineMs: c.redis?.deadline_ms ?? 10,
    hashTag: c.redis?.hash_tag ?? 'domain',
    keyPrefix: c.redis?.key_prefix ?? 'portcullis:rl:',
    breakerFailures: c.redis?.breaker?.failures ?? 5,
    breakerOpenMs: c.redis?.breaker?.open_ms ?? 1000,
    nearCacheMaxKeys: c.near_cache?.max_keys ?? 100_000,
    localMaxKeys: c.local?.max_keys ?? 250_000,
    offendersSize: c.top_offenders?.size ?? 100,
    revealValues: c.top_offenders?.reveal_values ?? true,
    limits: c.limits ?? {},
  };
}
