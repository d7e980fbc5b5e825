import type { PortcullisModule } from '../modules/module.js';

/**
 * The identity capability. Placeholder until its issue lands: accepts no config keys and adds no stages.
 */
export const identityModule: PortcullisModule = {
  key: 'identity',
  globalSchema: { type: 'object', additionalProperties: false, properties: {} },
  routeSchema: { type: 'object', additionalProperties: false, properties: {} },
  async create() {
    return { stages: () => [] };
  },
};
