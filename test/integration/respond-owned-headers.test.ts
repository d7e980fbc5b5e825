import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { startStack, type Stack } from './harness/stack.js';

/**
 * An ext_authz filter with `allowed_headers` sends Portcullis only the headers it lists. A client's forged
 * copy of a header Portcullis owns (a forwarded identity header, the risk headers) then never reaches
 * Portcullis; the allow response must still strip it, or the upstream trusts a spoofed identity.
 */

const SECRET = 'integration-allowed-headers-secret-0123456789';

describe('owned headers are stripped even when Envoy does not send them (allowed_headers)', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      config: () => `
default_action: { action: allow }
identity:
  issuers:
    - { name: t, issuer: https://issuer.test, keys: [ { secret: "${SECRET}" } ], algorithms: [HS256] }
routes:
  - name: api
    match: { path: { prefix: / } }
    identity: { accept: [jwt], allow_anonymous: true, forward: { claims: { sub: x-user-id } } }
    upstream_headers: { x-gateway: portcullis }
`,
      // the filter sends Portcullis the credentials and nothing else of the client's
      envoy: { vars: { EXT_AUTHZ_ALLOWED_HEADERS: '[ { exact: authorization } ]' } },
    });
  });
  after(async () => { await stack?.stop(); });

  const forged = { 'x-user-id': 'admin', 'x-portcullis-risk-score': '0', 'x-portcullis-subject': 'admin', 'x-gateway': 'forged' };

  it('an anonymous request with forged owned headers: the upstream sees none of them', async () => {
    const r = await stack.request({ path: '/anything', headers: forged });
    assert.equal(r.status, 200, r.body);
    const seen = r.json().headers as Record<string, string>;
    assert.equal(seen['x-user-id'], undefined, 'forged identity header reached the upstream');
    assert.equal(seen['x-portcullis-risk-score'], undefined, 'forged risk header reached the upstream');
    assert.equal(seen['x-gateway'], 'portcullis');
    assert.match(seen['x-portcullis-decision-id'] ?? '', /\S/);
  });

  it('a verified caller: the upstream sees the identity Portcullis set, not the forged one', async () => {
    const token = await new SignJWT({ sub: 'bob' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://issuer.test').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    const r = await stack.request({ path: '/anything', headers: { ...forged, authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200, r.body);
    const seen = r.json().headers as Record<string, string>;
    assert.equal(seen['x-user-id'], 'bob');
    assert.equal(seen['x-portcullis-risk-score'], undefined);
  });
});
