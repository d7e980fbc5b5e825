import type { PortcullisModule } from '../modules/module.js';
import { RatelimitInstance } from './instance.js';
import { globalSchema, routeSchema } from './schema.js';
import { settingsOf, type RatelimitGlobalConfig, type RatelimitRouteConfig } from './settings.js';

/**
 * Rate limiting: Envoy's ShouldRateLimit (envoyproxy/ratelimit YAML files) and the Check `limit` phase
 * (routes[].ratelimit), one limiter and one store (Redis / Redis Cluster via the spine's store, or memory).
 */
export const ratelimitModule: PortcullisModule<RatelimitGlobalConfig, RatelimitRouteConfig> = {
  key: 'ratelimit',
  globalSchema,
  routeSchema,
  async create(global, env) {
    return new RatelimitInstance(settingsOf(global), env);
  },
};
