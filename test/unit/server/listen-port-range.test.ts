import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/loader.js';
import { LISTEN_ADDRESS_RE } from '../../../src/server/listen-address.js';

/**
 * A listen address's port is 0 to 65535: a config naming 99999 is a config error at its path (validate-config
 * says so), not "ok" and then a start that fails with the socket's RangeError naming no file or key.
 */
describe('listen address ports', () => {
  it('the schema refuses a port above 65535 at its path, for each listener', () => {
    for (const key of ['grpc', 'admin', 'metrics']) {
      assert.throws(() => parseConfig(`server:\n  ${key}: { address: "127.0.0.1:99999" }\nroutes:\n  - { name: r }\n`, 'c.yaml'),
        (err: Error) => err.message.includes(`/server/${key}/address`), key);
    }
  });

  it('0 to 65535 (a config\'s port 0 picks one), IPv6 in brackets', () => {
    for (const ok of ['127.0.0.1:0', '0.0.0.0:65535', '[::1]:9191', 'localhost:80', '10.0.0.1:60000', 'h:65530']) assert.ok(LISTEN_ADDRESS_RE.test(ok), ok);
    for (const bad of ['127.0.0.1:65536', '127.0.0.1:70000', '127.0.0.1:99999', '127.0.0.1:', ':80', '127.0.0.1:123456']) assert.ok(!LISTEN_ADDRESS_RE.test(bad), bad);
  });
});
