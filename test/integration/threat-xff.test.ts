import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from './harness/stack.js';
import { send } from './harness/http.js';

/**
 * client_ip.trusted_hops through the real Envoy of envoy/envoy.yaml (use_remote_address: true, so Envoy
 * appends the address of its own peer — the trusted proxy — to X-Forwarded-For before ext_authz runs).
 * With one trusted proxy in front (played by the test client at 127.0.0.40), the entry that proxy added is
 * the client: Envoy's own `xff_num_trusted_hops: 1` would pick the same one.
 */
const HEADERS = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'identity' };

describe('client_ip.trusted_hops through a real Envoy', () => {
  let stack: Stack;
  const get = (xff: string) => send(stack.envoy.httpPort, { path: '/api/x', headers: { ...HEADERS, 'x-forwarded-for': xff }, from: '127.0.0.40' });

  before(async () => {
    stack = await startStack({
      config: () => `
default_action: { action: allow }
client_ip: { trusted_hops: 1 }
threat:
  ban: { ttl_ms: 0 }
  events: { log: false }
  ip: { block: [203.0.113.7/32, '2001:db8:7:7::/64'] }
routes:
  - name: api
    match: { path: { prefix: / } }
`,
    });
  });
  after(async () => { await stack?.stop(); });

  it('the address the trusted proxy appended is the client: a blocked client is refused, others pass', async () => {
    const blocked = await get('203.0.113.7');
    assert.equal(blocked.status, 403, blocked.body);
    assert.equal(blocked.json().error, 'ERR_IP_BLOCKED');
    // what the client itself wrote is left of the proxy's entry: it names nobody
    const spoofed = await get('203.0.113.7, 198.51.100.20');
    assert.equal(spoofed.status, 200, spoofed.body);
    assert.equal(spoofed.json().headers['x-forwarded-for'], '203.0.113.7, 198.51.100.20,127.0.0.40', 'Envoy appended its peer');
  });

  it('an IPv6 client, in any way a proxy may write it, is matched by its bytes', async () => {
    for (const xff of ['2001:db8:7:7::1', '2001:DB8:7:7:0:0:0:ABCD', '2001:0db8:0007:0007:ffff:ffff:ffff:ffff', '::ffff:203.0.113.7', '::FFFF:CB00:7107']) {
      const r = await get(xff);
      assert.equal(r.status, 403, `${xff}: ${r.body}`);
      assert.equal(r.json().error, 'ERR_IP_BLOCKED', xff);
    }
    for (const xff of ['2001:db8:7:8::1', '2001:db8:7:7::1:2:3:4:5', '::ffff:203.0.113.8']) {
      // the next /64, an address that is no address (the source address is the client then), a neighbour
      const r = await get(xff);
      assert.equal(r.status, 200, `${xff}: ${r.body}`);
    }
  });
});
