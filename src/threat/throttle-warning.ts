import type { PortcullisConfig } from '../config/types.js';
import type { ModuleInstance } from '../modules/module.js';
import type { CheckLimitConfig } from '../ratelimit/check/limits.js';
import type { ThreatRouteConfig } from './config.js';
import { ThreatModule } from './module.js';
import { routeThresholds } from './route.js';

export interface ConfigWarning { pointer: string; route: string; message: string }

/**
 * Routes where the threat module's `throttle` action can fire (enforce mode, throttle below block) but no
 * rate limit of the route sets `throttled_requests_per_unit`: there a throttled client is only reported
 * (event, OPA input, dynamic metadata), never slowed. A warning, not an error: every threat config has
 * the default thresholds, and a route may rely on the report alone.
 */
export function throttleWithoutLimit(cfg: PortcullisConfig, threat: ModuleInstance | undefined): ConfigWarning[] {
  if (!(threat instanceof ThreatModule)) return [];
  const s = threat.state;
  const named = (cfg.ratelimit as { limits?: Record<string, CheckLimitConfig> } | undefined)?.limits ?? {};
  const out: ConfigWarning[] = [];
  (cfg.routes ?? []).forEach((route, i) => {
    const rc = route.threat as ThreatRouteConfig | undefined;
    if ((rc === undefined && !s.configured) || rc?.mode === 'off') return;
    const t = routeThresholds(s, rc ?? {});
    if (t.mode !== 'enforce' || t.throttle >= t.block) return;
    const limits = (route.ratelimit as { limits?: Array<string | { limit: string } | CheckLimitConfig> } | undefined)?.limits ?? [];
    const throttled = limits.some((l) => {
      const c = typeof l === 'string' ? named[l] : 'limit' in l ? named[l.limit] : l;
      return c?.throttled_requests_per_unit !== undefined;
    });
    if (throttled) return;
    const pointer = limits.length > 0 ? `/routes/${i}/ratelimit/limits` : rc !== undefined ? `/routes/${i}/threat` : `/routes/${i}`;
    out.push({
      pointer,
      route: route.name,
      message: `route "${route.name}": a risk score from ${t.throttle} to below ${t.block} throttles the client, but ${limits.length > 0 ? 'none of its rate limits sets' : 'it has no rate limit with'} throttled_requests_per_unit: a throttled client is only reported (event, OPA input), not slowed`,
    });
  });
  return out;
}
