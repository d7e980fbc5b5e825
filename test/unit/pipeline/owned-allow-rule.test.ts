import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { decide, runtimeFrom } from '../helpers.js';

/**
 * Static rules run before identity, on the client's headers: an allow rule on a header Portcullis owns
 * (what jwt_authn + RBAC users write: allow when x-user-id is admin) would let any client in that writes it.
 */
const cfg = (rule: string, extra = '') => `default_action: { action: deny }
identity:
  issuers:
    - { name: local, issuer: https://idp.example, keys: [ { secret: "0123456789abcdef0123456789abcdef" } ], algorithms: [HS256] }
  forward: { claims: { sub: x-user-id } }
routes:
  - name: admin
    match: { path: { prefix: /admin } }
    rules:
      - ${rule}
    rules_default: deny
${extra}`;

async function loadError(yaml: string): Promise<string> {
  try { await runtimeFrom(yaml); } catch (err) {
    assert.ok(err instanceof ConfigLoadError, String(err));
    return err.message;
  }
  assert.fail('the config loaded');
}

describe('an allow rule on a header Portcullis owns is a config error', () => {
  it('identity forward header: names the rule and says why', async () => {
    const msg = await loadError(cfg('{ action: allow, headers: [ { name: X-User-Id, exact: admin } ] }'));
    assert.match(msg, /\/routes\/0\/rules\/0\/headers\/0\/name/);
    assert.match(msg, /"x-user-id" is a header Portcullis owns/);
  });

  it('an x-portcullis-* name and a route upstream_headers name are owned too', async () => {
    assert.match(await loadError(cfg('{ action: allow, headers: [ { name: x-portcullis-subject, present: true } ] }')), /x-portcullis-subject/);
    assert.match(await loadError(cfg('{ action: allow, headers: [ { name: x-gateway, exact: yes } ] }', '    upstream_headers: { x-gateway: portcullis }\n')), /x-gateway/);
  });

  it('a deny rule on an owned header (refusing clients that send one) and allow rules on other headers load and work', async () => {
    const rt = await runtimeFrom(cfg('{ action: deny, headers: [ { name: x-user-id, present: true } ], status: 400 }').replace('rules_default: deny', 'rules_default: continue'));
    const spoofed = await decide(rt, { method: 'GET', path: '/admin', headers: { 'x-user-id': 'admin' } });
    assert.equal(spoofed.denied_response.status.code, 400);
    await runtimeFrom(cfg('{ action: allow, headers: [ { name: x-tenant, exact: acme } ] }'));
  });
});
