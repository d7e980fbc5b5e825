import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceWith } from './service-fixture.js';

/**
 * PORTCULLIS_GRPC_ADDRESS as PORTCULLIS_ADMIN_ADDRESS and PORTCULLIS_METRICS_ADDRESS: empty is unset (the
 * config's address applies), and a value that is not host:port stops the start with an error naming the
 * variable, before anything listens (not grpc-js's "Could not parse port", naming nothing).
 */
describe('PORTCULLIS_GRPC_ADDRESS', () => {
  it('empty: the config\'s address applies', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }', { env: { PORTCULLIS_GRPC_ADDRESS: '' } });
    try {
      assert.ok(f.svc.grpc.port > 0);
    } finally { await f.stop(); }
  });

  it('not host:port (":9191", "127.0.0.1", "9191", "0.0.0.0:x"): the start fails naming the variable', async () => {
    for (const v of [':0', '127.0.0.1', '9191', '0.0.0.0:x']) {
      await assert.rejects(serviceWith('  admin: { address: "127.0.0.1:0" }', { env: { PORTCULLIS_GRPC_ADDRESS: v } }),
        /PORTCULLIS_GRPC_ADDRESS: must be host:port or \[v6\]:port/, v);
    }
  });
});

describe('listen addresses from the environment: the port is in range', () => {
  it('a port above 65535 fails the start naming the variable (not a RangeError from the socket)', async () => {
    for (const name of ['PORTCULLIS_GRPC_ADDRESS', 'PORTCULLIS_ADMIN_ADDRESS', 'PORTCULLIS_METRICS_ADDRESS']) {
      await assert.rejects(serviceWith('  admin: { address: "127.0.0.1:0" }', { env: { [name]: '127.0.0.1:99999' } }),
        new RegExp(`${name}: the port must be 0 to 65535`), name);
    }
  });
});
