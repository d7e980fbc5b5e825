/**
 * An anonymous caller (a route's `allow_anonymous: true`, or identity failing open) reaches the policy with
 * no `input.portcullis.identity`, as README.md's input document says and as the example policies
 * (policies/src/portcullis/lib: `identity` "undefined when anonymous") rely on: `not lib.identity` → 401.
 * Through the whole Check flow with the committed example bundle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolve } from 'node:path';
import { SignJWT } from 'jose';
import { closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { decide, denyBody, runtimeFrom, upstreamHeaders } from '../helpers.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const BUNDLE = resolve(import.meta.dirname, '../../../policies/bundle.tar.gz');

describe('anonymous callers and the example policies', () => {
  let rt: Runtime;
  before(async () => {
    rt = await runtimeFrom(`
identity:
  issuers: [ { name: t, issuer: https://issuer.test, keys: [ { secret: "${SECRET}" } ], algorithms: [HS256] } ]
policy:
  bundles: { examples: { file: ${BUNDLE} } }
routes:
  - name: users
    match: { path: { prefix: /api/v1/users } }
    identity: { accept: [jwt], allow_anonymous: true }
    policy: { entrypoint: portcullis/resources/decision }
  - name: api
    match: { path: { prefix: /api/ } }
    identity: { accept: [jwt], allow_anonymous: true }
    policy: { entrypoint: portcullis/authz/decision }
`);
  });
  after(async () => { await closeRuntime(rt); });

  const bearer = async (sub: string) => ({ authorization: `Bearer ${await new SignJWT({ sub, roles: ['reader'] }).setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://issuer.test').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET))}` });

  it('an anonymous request for /api/v1/users/ is not its "owner": 401 authentication required', async () => {
    const r = await decide(rt, { path: '/api/v1/users/' });
    assert.equal(r.denied_response?.status?.code, 401, `allowed with ${JSON.stringify(upstreamHeaders(r))}`);
    assert.equal(denyBody(r).message, 'authentication required');
  });

  it('an anonymous request for another user\'s record or an order is asked to authenticate (401), not refused a role (403)', async () => {
    for (const path of ['/api/v1/users/bob', '/api/v1/orders/1']) {
      const r = await decide(rt, { path });
      assert.equal(r.denied_response?.status?.code, 401, path);
      assert.equal(denyBody(r).message, 'authentication required', path);
    }
  });

  it('a verified caller still reads its own record (the identity is there when there is one)', async () => {
    const r = await decide(rt, { path: '/api/v1/users/alice', headers: await bearer('alice') });
    assert.equal(r.status.code, 0, JSON.stringify(r.denied_response));
    assert.equal(upstreamHeaders(r)['x-portcullis-access'], 'owner');
  });
});
