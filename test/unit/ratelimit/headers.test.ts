import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitHeaders, sfString } from '../../../src/ratelimit/headers.js';

const h = { policy: 'per-ip', limit: 100, remaining: 7, resetMs: 41_200, windowMs: 60_000 };

describe('rate-limit response headers', () => {
  it('ietf: RateLimit-Policy and RateLimit as structured fields; reset rounded up to whole seconds', () => {
    assert.deepEqual(rateLimitHeaders('ietf', h), [['ratelimit-policy', '"per-ip";q=100;w=60'], ['ratelimit', '"per-ip";r=7;t=42']]);
  });

  it('Retry-After on refusals, never below 1 second', () => {
    assert.deepEqual(rateLimitHeaders('none', h, 200), [['retry-after', '1']]);
    assert.deepEqual(rateLimitHeaders('x-ratelimit', h, 41_200), [
      ['x-ratelimit-limit', '100, 100;w=60;name="per-ip"'], ['x-ratelimit-remaining', '7'], ['x-ratelimit-reset', '42'], ['retry-after', '42'],
    ]);
  });

  it('x-ratelimit: X-RateLimit-Limit carries the quota policy of every limit that applied, as Envoy\'s ratelimit filter writes it', () => {
    const policies = [{ limit: 10, windowMs: 1000, name: 'per-ip' }, { limit: 1000, windowMs: 3_600_000 }, { limit: 7, windowMs: 0 }];
    assert.deepEqual(rateLimitHeaders('x-ratelimit', { ...h, limit: 10, policies }), [
      ['x-ratelimit-limit', '10, 10;w=1;name="per-ip", 1000;w=3600'], ['x-ratelimit-remaining', '7'], ['x-ratelimit-reset', '42'],
    ]);
    // one limit, no name (what envoyproxy/ratelimit's statuses carry): "100, 100;w=60"
    assert.deepEqual(rateLimitHeaders('x-ratelimit', { ...h, policies: [{ limit: 100, windowMs: 60_000 }] })[0], ['x-ratelimit-limit', '100, 100;w=60']);
    assert.equal(rateLimitHeaders('x-ratelimit', { ...h, policies: [{ limit: 1, windowMs: 60_000, name: 'a"b' }] })[0]![1], '100, 1;w=60;name="a\\"b"');
  });

  it('ietf-draft-03 uses envoyproxy/ratelimit\'s header names', () => {
    assert.deepEqual(rateLimitHeaders('ietf-draft-03', h).map((p) => p[0]), ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']);
  });

  it('policy names are valid sf-strings whatever the configured name', () => {
    assert.equal(sfString('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(sfString('naïve\nname'), '"navename"');
  });
});
