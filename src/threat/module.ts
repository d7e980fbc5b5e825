import type { PortcullisModule } from '../modules/module.js';

/**
 * The threat capability. Placeholder until its issue lands: accepts no config keys and adds no stages.
 */
export const threatModule: PortcullisModule = {
  key: 'threat',
  globalSchema: { type: 'object', additionalProperties: false, properties: {} },
  routeSchema: { type: 'object', additionalProperties: false, properties: {} },
  async create() {
    return { stages: () => [] };
  },
};
