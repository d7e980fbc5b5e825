import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deny } from '../../../src/pipeline/deny.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { decide, runtimeFrom } from '../helpers.js';

/**
 * portcullis_checks_total{decision}: a refusal (an ERR_* code) is "deny"; Portcullis's own answers in a
 * sign-in flow (SAML_LOGIN_REDIRECT to the IdP, SAML_SIGNED_IN back from it, sign-out, SP metadata) are
 * "redirect" — ordinary logins are not denials, and must not feed the deny ratio and its alert.
 */

async function count(name: string, labels: Record<string, string>): Promise<number> {
  const m = registry.getSingleMetric(name);
  const v = (await m!.get()).values.find((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val));
  return v?.value ?? 0;
}

async function decideWith(route: string, deny: Deny): Promise<any> {
  const rt = await runtimeFrom(`routes:\n  - name: ${route}\n    match: { path: { prefix: / } }\n`);
  const r = rt.table.match({ path: '/', host: '', method: 'GET', headers: {}, contextExtensions: {} })!;
  r.stages.unshift({ name: 'answers', phase: 'identify', run: () => deny });
  return decide(rt, { path: '/x' });
}

describe('the decision label of checks_total and check_duration_seconds', () => {
  for (const [code, status] of [['SAML_LOGIN_REDIRECT', 302], ['SAML_SIGNED_IN', 303], ['SAML_SIGNED_OUT', 303], ['SAML_METADATA', 200]] as const) {
    it(`${code} counts as decision="redirect", not "deny"`, async () => {
      const route = `r_${code.toLowerCase()}`;
      const resp = await decideWith(route, new Deny(code, 'x', status, { location: '/' }, ''));
      assert.equal(resp.denied_response.status.code, status, 'the client still gets Portcullis\'s own answer');
      assert.equal(await count('portcullis_checks_total', { decision: 'redirect', code, route }), 1);
      assert.equal(await count('portcullis_checks_total', { decision: 'deny', code, route }), 0);
    });
  }

  it('an ERR_* code is still decision="deny", a 3xx one included (a policy\'s redirect is its deny)', async () => {
    await decideWith('r_err', new Deny('ERR_SAML_SIGNATURE', 'bad', 401));
    await decideWith('r_err_redirect', new Deny('ERR_POLICY_DENIED', 'go away', 302, { location: '/elsewhere' }));
    assert.equal(await count('portcullis_checks_total', { decision: 'deny', code: 'ERR_SAML_SIGNATURE', route: 'r_err' }), 1);
    assert.equal(await count('portcullis_checks_total', { decision: 'deny', code: 'ERR_POLICY_DENIED', route: 'r_err_redirect' }), 1);
  });
});
