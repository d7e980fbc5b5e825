import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientIp } from '../../../src/pipeline/context-builder.js';

/**
 * Envoy with use_remote_address: true (envoy/envoy.yaml, edge proxies, Istio gateways) appends the address of
 * its peer — the CheckRequest's source address — to X-Forwarded-For before ext_authz runs. Envoy's own
 * xff_num_trusted_hops counts from the right of the header as it arrived, so N trusted hops mean the same
 * client here: the entry Envoy appended is not one of the N.
 */
describe('client IP: X-Forwarded-For with the entry Envoy appended', () => {
  it('one trusted load balancer (10.0.0.5) that appended the client: the client, not the load balancer', () => {
    assert.equal(clientIp('10.0.0.5', '203.0.113.7,10.0.0.5', 1), '203.0.113.7');
    assert.equal(clientIp('10.0.0.5', '203.0.113.7, 10.0.0.5', 1), '203.0.113.7');
  });

  it('two trusted hops: the entry the outer one appended', () => {
    assert.equal(clientIp('10.0.0.5', '198.51.100.9, 203.0.113.7, 10.0.1.1, 10.0.0.5', 2), '203.0.113.7');
  });

  it('what the client wrote to the left stays untrusted; too few entries fall back to the source address', () => {
    assert.equal(clientIp('10.0.0.5', '6.6.6.6, 203.0.113.7, 10.0.0.5', 1), '203.0.113.7');
    assert.equal(clientIp('10.0.0.5', '10.0.0.5', 1), '10.0.0.5');
    assert.equal(clientIp('10.0.0.5', '203.0.113.7, 10.0.0.5', 2), '10.0.0.5');
  });

  it('IPv6 peers as Envoy writes them', () => {
    assert.equal(clientIp('2001:db8::5', '2001:db8:bad::7, 2001:db8::5', 1), '2001:db8:bad::7');
  });

  it('no append (use_remote_address: false): the Nth entry from the right, as before', () => {
    assert.equal(clientIp('10.0.0.9', '203.0.113.7, 10.0.1.1', 1), '10.0.1.1');
    assert.equal(clientIp('10.0.0.9', '203.0.113.7, 10.0.1.1', 2), '203.0.113.7');
  });
});
