/**
 * What the assertion says about the user's authentication (its AuthnStatement), checked against what the SP
 * asked for: the AuthnStatement the Web SSO profile requires (§4.1.4.2), the requested AuthnContextClassRef
 * with its comparison (SAML core §3.3.2.2.1), ForceAuthn freshness, and the method and time as claims.
 * The AuthnRequest goes through the browser unsigned by default, so what was asked for can be dropped on
 * the way: the answer must be checked, not trusted to match the question.
 */
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { buildResponse, makeIdpKeys, signElement, type ResponseOptions, type TestIdpKeys } from './saml-idp.js';
import { ACS, form, IDP, samlConfig, SP, startLogin } from './saml-browser.js';
import { runtimeFor, type CheckResult, type Harness } from './helpers.js';

const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const X509 = 'urn:oasis:names:tc:SAML:2.0:ac:classes:X509';
const MFA = 'https://refeds.org/profile/mfa';

let keys: TestIdpKeys;
before(() => { keys = makeIdpKeys(); });

const base = (o: Partial<ResponseOptions> = {}): ResponseOptions => ({ idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'alice@example.com', attributes: { Role: ['buyer'] }, ...o });

/** A sign-in answered with `o` (from the browser that started it); the AuthnRequest's XML too. */
async function signIn(h: Harness, o: Partial<ResponseOptions> = {}): Promise<{ r: CheckResult; request: string; cookie?: string }> {
  const { id, req, r: redirect } = await startLogin(h);
  const request = inflateRawSync(Buffer.from(new URL(redirect.headers.location!).searchParams.get('SAMLRequest')!, 'base64')).toString();
  const r = await h.send(form({ SAMLResponse: buildResponse(keys, base({ inResponseTo: id, ...o })).base64 }, req));
  const sc = r.cookies.find((c) => c.startsWith('__Host-portcullis_session='));
  return { r, request, cookie: sc?.split(';')[0] };
}

function refused(r: CheckResult, code: string, what: string): void {
  assert.equal(r.code, code, `${what}: ${r.code} ${JSON.stringify(r.body)}`);
  assert.equal(r.status, 401, what);
  assert.equal(r.cookies.some((c) => c.startsWith('__Host-portcullis_session=')), false, `${what}: a session cookie was set`);
}

function signedIn(r: CheckResult, what: string): void {
  assert.equal(r.code, 'SAML_SIGNED_IN', `${what}: ${r.code} ${JSON.stringify(r.body)}`);
}

describe('SAML: the assertion must carry an AuthnStatement (Web SSO profile §4.1.4.2)', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile)); });
  after(async () => { await h.close(); });

  it('refuses a signed assertion without an AuthnStatement (an attribute assertion is not a sign-in)', async () => {
    const { r } = await signIn(h, { noAuthnStatement: true });
    assert.equal(r.code, 'ERR_SAML_MALFORMED', JSON.stringify(r.body));
    assert.equal(r.cookies.some((c) => c.startsWith('__Host-portcullis_session=')), false);
  });

  it('refuses two AuthnStatements (which one is the sign-in?) and one without AuthnInstant', async () => {
    for (const [what, edit] of [
      ['two', (a: string) => a.replace(/<saml:AuthnStatement[\s\S]*<\/saml:AuthnStatement>/, (m) => m + m.replace(PASSWORD, MFA))],
      ['no AuthnInstant', (a: string) => a.replace(/ AuthnInstant="[^"]+"/, '')],
    ] as const) {
      const { id, req } = await startLogin(h);
      const built = buildResponse(keys, base({ inResponseTo: id, sign: 'none' }));
      const a = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(built.xml)![0];
      const xml = built.xml.replace(a, () => signElement(edit(a), built.assertionId, 'Assertion', keys.key, keys.cert));
      const r = await h.send(form({ SAMLResponse: Buffer.from(xml).toString('base64') }, req));
      assert.equal(r.code, 'ERR_SAML_MALFORMED', `${what}: ${r.code}`);
    }
  });

  it('signs in with one (control)', async () => {
    signedIn((await signIn(h)).r, 'with an AuthnStatement');
  });
});
