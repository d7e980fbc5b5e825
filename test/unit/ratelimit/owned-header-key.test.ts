import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { decide, runtimeFrom } from '../helpers.js';

/**
 * A Check limit `by: header:x-user-id` where x-user-id is identity's forward header (owned): keyed by the
 * value Portcullis forwards (the verified subject), never by the client's copy — which a client could
 * rotate for a fresh bucket per request, or set to someone else's id to use up their bucket.
 */

const SECRET = 'ratelimit-owned-header-secret-0123456789ab';

describe('a Check limit keyed by an owned header', () => {
  let rt: Runtime;

  before(async () => {
    rt = await runtimeFrom(`
store: { kind: memory }
identity:
  issuers:
    - { name: t, issuer: https://issuer.test, keys: [ { secret: "${SECRET}" } ], algorithms: [HS256] }
routes:
  - name: api
    match: { path: { prefix: / } }
    identity: { accept: [jwt], allow_anonymous: true, forward: { claims: { sub: x-user-id } } }
    ratelimit: { limits: [ { name: per-user, by: "header:x-user-id", requests_per_unit: 1, unit: minute } ] }
`);
  });
  after(async () => { await closeRuntime(rt); });

  const bearer = async (sub: string) => ({
    authorization: `Bearer ${await new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://issuer.test').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET))}`,
  });
  const status = (r: any) => r.denied_response?.status?.code ?? 200;

  it('a verified user who rotates the x-user-id they send still has one bucket (their subject)', async () => {
    assert.equal(status(await decide(rt, { headers: { ...(await bearer('bob')), 'x-user-id': 'r1' } })), 200);
    assert.equal(status(await decide(rt, { headers: { ...(await bearer('bob')), 'x-user-id': 'r2' } })), 429);
  });

  it('an anonymous client sending x-user-id: carol does not use up carol\'s bucket', async () => {
    assert.equal(status(await decide(rt, { headers: { 'x-user-id': 'carol' } })), 200);
    assert.equal(status(await decide(rt, { headers: { 'x-user-id': 'carol' } })), 200, 'no forwarded x-user-id: the limit does not apply');
    assert.equal(status(await decide(rt, { headers: await bearer('carol') })), 200);
    assert.equal(status(await decide(rt, { headers: await bearer('carol') })), 429);
  });
});
