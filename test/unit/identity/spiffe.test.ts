import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpiffeId, spiffePatternProblem } from '../../../src/identity/spiffe.js';

describe('SPIFFE IDs', () => {
  it('parses the trust domain, and namespace and service account from Istio\'s /ns/<ns>/sa/<sa> path', () => {
    assert.deepEqual(parseSpiffeId('spiffe://cluster.local/ns/shop/sa/web'), { trustDomain: 'cluster.local', path: '/ns/shop/sa/web', namespace: 'shop', serviceAccount: 'web' });
    assert.deepEqual(parseSpiffeId('spiffe://prod.example-1_x/payments/API.v2'), { trustDomain: 'prod.example-1_x', path: '/payments/API.v2' });
    assert.deepEqual(parseSpiffeId('spiffe://example.org'), { trustDomain: 'example.org', path: '' });
    // not the k8s form: more or fewer segments, other keywords
    assert.equal(parseSpiffeId('spiffe://td/ns/shop/sa/web/extra')?.namespace, undefined);
    assert.equal(parseSpiffeId('spiffe://td/ns/shop')?.namespace, undefined);
    assert.equal(parseSpiffeId('spiffe://td/namespace/shop/sa/web')?.namespace, undefined);
  });

  it('refuses what the SPIFFE ID standard forbids', () => {
    for (const bad of [
      'spiffe://', 'spiffe:///ns/a', 'SPIFFE://td/x', 'spiffe://Cluster.local/ns/a/sa/b', 'spiffe://td:8080/x',
      'spiffe://user@td/x', 'spiffe://td/ns/a/', 'spiffe://td//ns', 'spiffe://td/ns/./sa', 'spiffe://td/ns/../sa/x',
      'spiffe://td/ns/a%2Fb', 'spiffe://td/ns/a?x=1', 'spiffe://td/ns/a#f', 'spiffe://td/ns/a b', 'spiffe://td/ns/é',
      'https://td/ns/a/sa/b', `spiffe://${'a'.repeat(256)}/x`, `spiffe://td/${'a'.repeat(2048)}`,
    ]) assert.equal(parseSpiffeId(bad), undefined, bad);
  });

  it('checks allow-list patterns: exact IDs, and prefixes ending in *', () => {
    for (const ok of ['spiffe://cluster.local/ns/shop/sa/web', 'spiffe://cluster.local/ns/shop/*', 'spiffe://cluster.local/ns/shop/sa/web-*', 'spiffe://cluster.local/*', 'spiffe://clu*']) {
      assert.equal(spiffePatternProblem(ok), undefined, ok);
    }
    assert.match(spiffePatternProblem('spiffe://cluster.local/ns/*/sa/web')!, /only at the end/);
    assert.match(spiffePatternProblem('spiffe://*/ns/shop/sa/web')!, /only at the end/);
    assert.match(spiffePatternProblem('spiffe://*')!, /at least the trust domain/);
    assert.match(spiffePatternProblem('spiffe://Cluster.local/ns/shop/sa/web')!, /not a SPIFFE ID/);
    assert.match(spiffePatternProblem('spiffe://cluster.local/ns/shop/')!, /not a SPIFFE ID/);
    assert.match(spiffePatternProblem('spiffe://cluster.local//*')!, /cannot start a SPIFFE ID/);
    assert.match(spiffePatternProblem('spiffe://cluster.local/ns/a b/*')!, /cannot start a SPIFFE ID/);
  });
});
