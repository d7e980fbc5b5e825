import { identityModule } from '../identity/module.js';
import { policyModule } from '../policy/module.js';
import { ratelimitModule } from '../ratelimit/module.js';
import { threatModule } from '../threat/module.js';
import type { PortcullisModule } from './module.js';

/**
 * Every capability, by config key. Stage order inside a route comes from each stage's phase
 * (screen → inspect → identify → limit → authorize → respond), not from this list.
 */
export const MODULES: readonly PortcullisModule[] = [threatModule, identityModule, ratelimitModule, policyModule];
