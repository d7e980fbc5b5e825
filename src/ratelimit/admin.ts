import { sendJson, type AdminRoute } from '../server/admin-route.js';
import type { DescriptorNode, Level } from './envoy-config/domain.js';
import type { ConfigState } from './envoy-config/watcher.js';
import type { LimiterState } from './parts.js';
import type { Settings } from './settings.js';
import { describePeriod } from './units.js';

const MAX_LIST = 1000;

/**
 * GET /admin/ratelimit            loaded domains and limits (like envoyproxy/ratelimit's /rlconfig), the
 *                                 last config error, store and breaker state.
 * GET /admin/ratelimit/offenders  the keys most over their limits (?n=20, at most the configured size).
 */
export function adminRoutes(settings: Settings, config: ConfigState, state: LimiterState, checkLimits: () => string[]): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/admin/ratelimit',
      handle(_req, res) {
        const domains = [...config.current.domains.values()].map((d) => ({
          domain: d.domain, file: d.file, limits: dump(d.domain, d.root, []).slice(0, MAX_LIST),
        }));
        sendJson(res, 200, {
          config_dir: settings.configDir ?? null,
          loaded_at: config.current.loadedAt ? new Date(config.current.loadedAt).toISOString() : null,
          last_error: config.lastError ?? null,
          domains,
          check_limits: checkLimits(),
          store: state.counters.kind,
          breaker: state.guard?.breaker.state ?? null,
          near_cache_keys: state.nearCache.size,
          local_counters: state.local.size,
        });
      },
    },
    {
      method: 'GET',
      path: '/admin/ratelimit/offenders',
      handle(req, res) {
        const q = new URL(req.url ?? '/', 'http://admin').searchParams.get('n');
        const n = Math.min(Math.max(1, Number(q) || 20), MAX_LIST);
        sendJson(res, 200, {
          offenders: state.offenders.top(n).map((e) => ({
            domain: e.domain, descriptor: e.descriptor, key: e.key, over_limit: e.overLimit, ...(e.hits === undefined ? {} : { hits: e.hits }),
            first_seen: new Date(e.firstSeen).toISOString(), last_seen: new Date(e.lastSeen).toISOString(),
          })),
        });
      },
    },
  ];
}

function dump(domain: string, level: Level, out: string[]): string[] {
  const nodes: DescriptorNode[] = [...level.keyOnly.values(), ...level.exact.values()];
  for (const n of nodes) {
    if (out.length >= MAX_LIST) break;
    if (n.unlimited) out.push(`${domain}.${n.path}: unlimited`);
    else if (n.rule) {
      const r = n.rule;
      out.push(`${domain}.${n.path}: ${describePeriod(r.requestsPerUnit, r.period)}, ${r.algorithm}${r.shadowMode ? ', shadow_mode' : ''}, failure_mode ${r.failureMode}`);
    }
    dump(domain, n.children, out);
  }
  return out;
}
