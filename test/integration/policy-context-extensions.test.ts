// Envoy's per-route check_settings.context_extensions pick the policy entrypoint (policy_entrypoint) and
// bundle (policy_bundle) for a request, through a real Envoy.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from './harness/portcullis.js';
import { startStack, type Stack } from './harness/stack.js';

const config = `
policy:
  bundles:
    examples: { file: ${join(REPO, 'policies', 'bundle.tar.gz')} }
  default_bundle: examples
  default_entrypoint: portcullis/rbac/allow
routes:
  - name: users
    match: { context_extensions: { service: users } }
    policy: {}
  - name: web
    match: { context_extensions: { service: web } }
    policy: {}
`;

describe('context_extensions select the policy entrypoint through Envoy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ config, envoy: { vars: { WEB_CONTEXT_EXTENSIONS: ', policy_entrypoint: portcullis/authz/decision' } } });
  });
  after(async () => { await stack?.stop(); });

  it('without an override the route\'s entrypoint decides (RBAC boolean: 403)', async () => {
    const r = await stack.request({ path: '/api/v1/users/alice' });
    assert.equal(r.status, 403);
    assert.equal(r.json().error, 'ERR_POLICY_DENIED');
  });

  it('Envoy\'s policy_entrypoint picks another entrypoint for its route (combined decision: 401 for anonymous)', async () => {
    const r = await stack.request({ path: '/index.html' });
    assert.equal(r.status, 401, r.body);
    assert.equal(r.json().message, 'authentication required');
  });
});
