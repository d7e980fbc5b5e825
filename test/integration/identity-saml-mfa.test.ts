// SAML authentication context through real Envoy and a real OPA (Wasm) policy: a route requires MFA by the
// session's authn_context claim; an answer that does not meet authn_context (a user who dropped the
// RequestedAuthnContext from the unsigned AuthnRequest) signs nobody in.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { buildBundle } from '../../src/policy/cli/build.js';
import { buildResponse, makeIdpKeys, type TestIdpKeys } from '../unit/identity/saml-idp.js';
import { startStack, type Stack } from './harness/stack.js';

const IDP = 'https://idp.test/realms/demo';
const SSO = 'https://idp.test/protocol/saml';
const SP = 'https://app.test/saml/metadata';
const ACS = 'https://app.test/saml/acs';
const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const MFA = 'https://refeds.org/profile/mfa';
const X509 = 'urn:oasis:names:tc:SAML:2.0:ac:classes:X509';
const browser = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document' };

const REGO = `package samlmfa

path := input.attributes.request.http.path

# METADATA
# entrypoint: true
default allow := false

allow if not startswith(path, "/admin/")

allow if input.portcullis.identity.claims.authn_context == "${MFA}"
`;

const cookieOf = (setCookie: string | undefined) => (setCookie ?? '').split(';')[0]!;

describe('SAML authn_context through Envoy: checked at the ACS, usable by an OPA policy', () => {
  let stack: Stack;
  let keys: TestIdpKeys;

  before(async () => {
    keys = makeIdpKeys();
    stack = await startStack({
      config: ({ dir }) => {
        const src = join(dir, 'rego');
        mkdirSync(src);
        writeFileSync(join(src, 'samlmfa.rego'), REGO);
        const b = buildBundle({ src, out: join(dir, 'bundle.tar.gz'), entrypoints: [] });
        assert.ok(b.ok, b.output);
        writeFileSync(join(dir, 'idp.crt'), keys.cert);
        return `
identity:
  saml:
    sp_entity_id: ${SP}
    acs_url: ${ACS}
    idp: { entity_id: "${IDP}", sso_url: "${SSO}", certificate_files: [idp.crt] }
    authn_context: ["${PASSWORD}", "${MFA}"]
    authn_context_comparison: minimum
    session: { secret: "integration-test-session-secret-0123456789" }
  forward:
    claims: { subject: x-user, authn_context: x-acr }
policy:
  bundles: { local: { file: bundle.tar.gz } }
  default_bundle: local
routes:
  - name: app
    match: { path: { prefix: / } }
    identity: { accept: [saml] }
    policy: { entrypoint: samlmfa/allow }
`;
      },
    });
  });
  after(async () => { await stack?.stop(); });

  /** A sign-in through Envoy answered with an assertion of class `acr`: the ACS answer. */
  async function signIn(acr: string) {
    const first = await stack.request({ path: '/admin/users', headers: browser });
    assert.equal(first.status, 302, first.body);
    const loc = new URL(first.headers.location!);
    const request = inflateRawSync(Buffer.from(loc.searchParams.get('SAMLRequest')!, 'base64')).toString();
    assert.match(request, /Comparison="minimum"/);
    const id = /\bID="([^"]+)"/.exec(request)![1]!;
    const built = buildResponse(keys, { idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'alice@example.com', inResponseTo: id, authnContextClassRef: acr });
    return stack.request({
      method: 'POST', path: '/saml/acs', body: new URLSearchParams({ SAMLResponse: built.base64, RelayState: '/admin/users' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(first.headers['set-cookie']) },
    });
  }

  it('refuses a class outside authn_context at the ACS: 401 ERR_SAML_AUTHN_CONTEXT, no session', async () => {
    const r = await signIn(X509);
    assert.equal(r.status, 401, r.body);
    assert.equal(r.json().error, 'ERR_SAML_AUTHN_CONTEXT');
    assert.ok(!(r.headers['set-cookie'] ?? '').startsWith('__Host-portcullis_session='));
  });

  it('a password session reaches ordinary pages but the policy refuses /admin/ (403)', async () => {
    const acs = await signIn(PASSWORD);
    assert.equal(acs.status, 303, acs.body);
    const cookie = cookieOf(acs.headers['set-cookie']);
    const app = await stack.request({ path: '/orders', headers: { ...browser, cookie } });
    assert.equal(app.status, 200, app.body);
    assert.equal(app.json().headers['x-acr'], PASSWORD);
    const admin = await stack.request({ path: '/admin/users', headers: { ...browser, cookie } });
    assert.equal(admin.status, 403, admin.body);
  });

  it('an MFA session reaches /admin/', async () => {
    const acs = await signIn(MFA);
    assert.equal(acs.status, 303, acs.body);
    const admin = await stack.request({ path: '/admin/users', headers: { ...browser, cookie: cookieOf(acs.headers['set-cookie']) } });
    assert.equal(admin.status, 200, admin.body);
    assert.equal(admin.json().headers['x-acr'], MFA);
  });
});
