import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/loader.js';

const problem = (yaml: string): string => {
  try { parseConfig(yaml, 't.yaml'); return ''; } catch (e) { assert.ok(e instanceof ConfigLoadError, String(e)); return e.message; }
};

/**
 * Node's timers and AbortSignal.timeout take at most 2^31-1 ms; a longer one fires after 1 ms. A JWKS,
 * introspection, bundle or decision-log `timeout_ms` past it loaded and then aborted every fetch at once
 * (introspection: every opaque token refused; bundle: the policy never loaded); a Redis command_timeout_ms
 * past it timed every command out. Each such duration now has a maximum, reported at its JSON path.
 */
describe('request timeouts have maxima', () => {
  const over = 2147483648;
  const cases: [string, string, string][] = [
    ['jwks', `identity: { issuers: [ { name: a, issuer: x, jwks_url: "http://h/j", jwks: { timeout_ms: ${over} } } ] }`, '/identity/issuers/0/jwks/timeout_ms'],
    ['introspection', `identity: { introspection: [ { name: a, url: "http://h/i", client_id: c, client_secret: s, timeout_ms: ${over} } ] }`, '/identity/introspection/0/timeout_ms'],
    ['bundle', `policy: { bundles: { main: { url: "http://h/b.tar.gz", timeout_ms: ${over} } } }`, '/policy/bundles/main/timeout_ms'],
    ['decision-log service', `policy: { decision_logs: { service: { url: "http://h/logs", timeout_ms: ${over} } } }`, '/policy/decision_logs/service/timeout_ms'],
    ['redis command', `store: { kind: redis, url: "redis://h:6379", command_timeout_ms: ${over} }`, '/store/command_timeout_ms'],
    ['redis connect', `store: { kind: redis, url: "redis://h:6379", connect_timeout_ms: ${over} }`, '/store/connect_timeout_ms'],
    ['grpc keepalive', `server: { grpc: { keepalive_timeout_ms: ${over} } }`, '/server/grpc/keepalive_timeout_ms'],
    ['grpc keepalive time', `server: { grpc: { keepalive_time_ms: ${over} } }`, '/server/grpc/keepalive_time_ms'],
    ['grpc idle', `server: { grpc: { max_connection_idle_ms: ${over} } }`, '/server/grpc/max_connection_idle_ms'],
    ['drain', `server: { drain_timeout_ms: ${over} }`, '/server/drain_timeout_ms'],
    // seconds: 1e13 s from now is past the last date JavaScript can hold; revocations then broke GET /admin/revocations
    ['revocation default ttl', 'identity: { revocation: { default_ttl_s: 10000000000000 } }', '/identity/revocation/default_ttl_s'],
    ['revocation subject ttl', 'identity: { revocation: { subject_ttl_s: 10000000000000 } }', '/identity/revocation/subject_ttl_s'],
    ['revocation sync', 'identity: { revocation: { sync_s: 2147484 } }', '/identity/revocation/sync_s'],
  ];
  for (const [name, yaml, pointer] of cases) {
    it(`${name}: a timeout past the maximum is a config error at ${pointer}`, () => {
      const msg = problem(yaml);
      assert.ok(msg.includes(pointer), msg || 'loaded');
      assert.match(msg, /must be <=/);
    });
  }

  it('a minute (and a Redis command timeout of 10 s) still loads', () => {
    assert.equal(problem('identity: { introspection: [ { name: a, url: "http://h/i", client_id: c, client_secret: s, timeout_ms: 60000 } ], issuers: [ { name: b, issuer: x, jwks_url: "http://h/j", jwks: { timeout_ms: 60000 } } ] }'), '');
    assert.equal(problem('policy: { bundles: { main: { url: "http://h/b.tar.gz", timeout_ms: 600000 } }, decision_logs: { service: { url: "http://h/logs", timeout_ms: 60000 } } }'), '');
    assert.equal(problem('store: { kind: redis, url: "redis://h:6379", command_timeout_ms: 10000, connect_timeout_ms: 60000 }'), '');
    assert.equal(problem('identity: { revocation: { sync_s: 86400, default_ttl_s: 3153600000, subject_ttl_s: 31536000 } }'), '');
  });
});
