import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { serviceWith } from './service-fixture.js';

/**
 * PORTCULLIS_ADMIN_ADDRESS as PORTCULLIS_METRICS_ADDRESS: empty is unset (the config's address applies), and a
 * value that is not host:port stops the start with an error naming the variable, instead of binding somewhere.
 */
describe('PORTCULLIS_ADMIN_ADDRESS', () => {
  it('empty: the config\'s loopback address applies, not every interface', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }', { env: { PORTCULLIS_ADMIN_ADDRESS: '' } });
    try {
      const a = (f.svc.admin as unknown as { server: { address(): AddressInfo } }).server.address();
      assert.equal(a.address, '127.0.0.1');
      assert.doesNotMatch(f.logs(), /reachable from other hosts/);
    } finally { await f.stop(); }
  });

  it('not host:port (":9901", "127.0.0.1", "9901"): the start fails naming the variable', async () => {
    for (const v of [':0', '127.0.0.1', '9901']) {
      await assert.rejects(serviceWith('  admin: { address: "127.0.0.1:0" }', { env: { PORTCULLIS_ADMIN_ADDRESS: v } }),
        /PORTCULLIS_ADMIN_ADDRESS: must be host:port or \[v6\]:port/, v);
    }
  });
});
