import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { buildBundle } from '../../src/policy/cli/build.js';
import { startStack, type Stack } from './harness/stack.js';

/**
 * A policy written for Envoy's jwt_authn + opa-envoy-plugin trusts `x-user-id` because jwt_authn wrote it
 * before ext_authz ran. Behind a real Envoy, Portcullis's identity stage writes it: the policy sees the
 * verified value, never the copy a client sent.
 */

const SECRET = 'integration-owned-headers-secret-0123456789';
const POLICY = `package envoy.authz

import rego.v1

default allow := false

allow if input.attributes.request.http.headers["x-user-id"] == "admin"
`;

describe('owned headers in the policy input, behind a real Envoy', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      config: ({ dir }) => {
        const src = join(dir, 'owned-src');
        mkdirSync(join(src, 'envoy'), { recursive: true });
        writeFileSync(join(src, 'envoy', 'authz.rego'), POLICY);
        const r = buildBundle({ src, out: join(dir, 'owned.tar.gz'), entrypoints: ['envoy/authz/allow'] });
        assert.ok(r.ok, r.output);
        return `
default_action: { action: deny }
identity:
  issuers:
    - { name: t, issuer: https://issuer.test, keys: [ { secret: "${SECRET}" } ], algorithms: [HS256] }
policy:
  bundles: { owned: { file: owned.tar.gz } }
routes:
  - name: api
    match: { path: { prefix: / } }
    identity: { accept: [jwt], allow_anonymous: true, forward: { claims: { sub: x-user-id } } }
    policy: { bundle: owned, entrypoint: envoy/authz/allow }
`;
      },
    });
  });
  after(async () => { await stack?.stop(); });

  const bearer = async (sub: string) => ({
    authorization: `Bearer ${await new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://issuer.test').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET))}`,
  });

  it('a client-sent x-user-id: admin without credentials is refused', async () => {
    const r = await stack.request({ path: '/admin', headers: { 'x-user-id': 'admin' } });
    assert.equal(r.status, 403, r.body);
    assert.equal(r.json().error, 'ERR_POLICY_DENIED');
  });

  it('a verified non-admin who also sends x-user-id: admin is refused', async () => {
    const r = await stack.request({ path: '/admin', headers: { ...(await bearer('bob')), 'x-user-id': 'admin' } });
    assert.equal(r.status, 403, r.body);
  });

  it('a verified admin passes, and the upstream sees the same x-user-id the policy saw', async () => {
    const r = await stack.request({ path: '/admin', headers: await bearer('admin') });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json().headers['x-user-id'], 'admin');
  });
});
