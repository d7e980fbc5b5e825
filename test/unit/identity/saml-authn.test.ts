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
import { SessionSealer } from '../../../src/identity/saml-session.js';
import { ACS, form, IDP, samlConfig, SECRET, SP, startLogin } from './saml-browser.js';
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

/** The route forwards the new claims as headers, so the tests see what a policy would. */
const routes = `  - name: app
    match: { path: { prefix: / } }
    identity: { accept: [saml], forward: { claims: { subject: x-user, authn_context: x-acr, authn_instant: x-auth-time } } }`;
const cfg = (extra: string) => samlConfig(keys.certFile, { extra, routes });

describe('SAML: authn_context is checked on the answer (SAML core §3.3.2.2.1)', () => {
  const hs: Harness[] = [];
  after(async () => { for (const h of hs) await h.close(); });
  const runtime = async (extra: string) => { const h = await runtimeFor(cfg(extra)); hs.push(h); return h; };

  it('exact (the default): a password-only answer to a request for MFA is refused, even with the request ID kept', async () => {
    const h = await runtime(`    authn_context: ["${MFA}"]`);
    const { r, request } = await signIn(h, { authnContextClassRef: PASSWORD });
    // what was asked: the browser carries it unsigned, and can drop it on the way to the IdP
    assert.match(request, /<samlp:RequestedAuthnContext[^>]*Comparison="exact"/);
    assert.ok(request.includes(MFA));
    refused(r, 'ERR_SAML_AUTHN_CONTEXT', 'password for MFA');
    refused((await signIn(h, { authnContextClassRef: null })).r, 'ERR_SAML_AUTHN_CONTEXT', 'no AuthnContextClassRef');
    refused((await signIn(h, { authnContextClassRef: `${MFA}/x` })).r, 'ERR_SAML_AUTHN_CONTEXT', 'a longer URI');
    signedIn((await signIn(h, { authnContextClassRef: MFA })).r, 'MFA');
    signedIn((await signIn(h, { authnContextClassRef: `\n  ${MFA}\n` })).r, 'MFA, pretty-printed (xs:anyURI collapses whitespace)');
  });

  it('exact with several classes: any of them', async () => {
    const h = await runtime(`    authn_context: ["${X509}", "${MFA}"]`);
    signedIn((await signIn(h, { authnContextClassRef: X509 })).r, 'X509');
    signedIn((await signIn(h, { authnContextClassRef: MFA })).r, 'MFA');
    refused((await signIn(h, { authnContextClassRef: PASSWORD })).r, 'ERR_SAML_AUTHN_CONTEXT', 'password');
  });

  it('minimum / maximum: the list is the ranking (weakest first); a class not on it has no known strength and is refused', async () => {
    for (const comparison of ['minimum', 'maximum']) {
      const h = await runtime(`    authn_context: ["${PASSWORD}", "${MFA}"]\n    authn_context_comparison: ${comparison}`);
      const { r, request } = await signIn(h, { authnContextClassRef: PASSWORD });
      assert.match(request, new RegExp(`Comparison="${comparison}"`));
      signedIn(r, `${comparison}: password`);
      signedIn((await signIn(h, { authnContextClassRef: MFA })).r, `${comparison}: MFA`);
      refused((await signIn(h, { authnContextClassRef: X509 })).r, 'ERR_SAML_AUTHN_CONTEXT', `${comparison}: unlisted`);
    }
  });

  it('better: stronger than the first listed (the one to beat)', async () => {
    const h = await runtime(`    authn_context: ["${PASSWORD}", "${X509}", "${MFA}"]\n    authn_context_comparison: better`);
    refused((await signIn(h, { authnContextClassRef: PASSWORD })).r, 'ERR_SAML_AUTHN_CONTEXT', 'better: password');
    signedIn((await signIn(h, { authnContextClassRef: X509 })).r, 'better: X509');
    signedIn((await signIn(h, { authnContextClassRef: MFA })).r, 'better: MFA');
  });

  it('exposes the method and time as claims (authn_context, authn_instant in seconds) that survive in the session cookie', async () => {
    const h = await runtime(`    authn_context: ["${MFA}"]`);
    const before = Math.floor(Date.now() / 1000);
    const { cookie } = await signIn(h, { authnContextClassRef: MFA, authnInstantS: -5 });
    const ok = await h.send({ path: '/app', headers: { cookie: cookie! } });
    assert.equal(ok.allowed, true);
    assert.equal(ok.upstream['x-acr'], MFA);
    const t = Number(ok.upstream['x-auth-time']);
    assert.ok(t >= before - 6 && t <= before - 4, `authn_instant ${t} vs ${before - 5}`);
  });

  it('a session cookie sealed before these claims were kept still works, without them', async () => {
    const h = await runtime(`    authn_context: ["${MFA}"]`);
    const now = Date.now();
    const old = new SessionSealer([SECRET], '__Host-portcullis_session').seal({ sid: 'old-1', sub: 'bob@example.com', iss: IDP, iat: now - 1000, exp: now + 600_000, roles: [], attrs: {}, fmt: 'urn:x', idx: '_i' });
    const ok = await h.send({ path: '/app', headers: { cookie: `__Host-portcullis_session=${old}` } });
    assert.equal(ok.allowed, true, ok.code);
    assert.equal(ok.upstream['x-user'], 'bob@example.com');
    assert.equal(ok.upstream['x-acr'], undefined);
    assert.equal(ok.upstream['x-auth-time'], undefined);
  });

  it('config: authn_context_comparison needs authn_context; better needs two classes; the list may not be empty', async () => {
    for (const [extra, where] of [
      ['    authn_context_comparison: minimum', /authn_context_comparison/],
      [`    authn_context: ["${MFA}"]\n    authn_context_comparison: better`, /authn_context/],
      ['    authn_context: []', /authn_context/],
      [`    authn_context: ["${MFA}"]\n    authn_context_comparison: fuzzy`, /authn_context_comparison/],
    ] as const) {
      await assert.rejects(runtimeFor(cfg(extra)), (e: Error) => where.test(e.message), extra);
    }
  });
});

describe('SAML: force_authn is checked on the answer (AuthnInstant not before the request)', () => {
  const hs: Harness[] = [];
  after(async () => { for (const h of hs) await h.close(); });
  const runtime = async (extra: string) => { const h = await runtimeFor(cfg(extra)); hs.push(h); return h; };

  it('refuses an answer from an IdP session older than the sign-in request; accepts a fresh one (within clock_skew_s)', async () => {
    const h = await runtime('    force_authn: true\n    clock_skew_s: 30');
    const { r, request } = await signIn(h, { authnInstantS: -3600 });
    assert.match(request, /ForceAuthn="true"/);
    refused(r, 'ERR_SAML_AUTHN_CONTEXT', 'an hour-old authentication');
    refused((await signIn(h, { authnInstantS: -40 })).r, 'ERR_SAML_AUTHN_CONTEXT', 'older than the request minus the skew');
    signedIn((await signIn(h, { authnInstantS: -20 })).r, 'within the skew');
    signedIn((await signIn(h, { authnInstantS: 0 })).r, 'fresh');
  });

  it('without force_authn an old IdP session is fine (single sign-on)', async () => {
    const h = await runtime('    clock_skew_s: 30');
    signedIn((await signIn(h, { authnInstantS: -3600 })).r, 'SSO');
  });

  it('an unsolicited answer (allow_idp_initiated) has no request time: its AuthnInstant must be within request_ttl_s', async () => {
    const h = await runtime('    force_authn: true\n    allow_idp_initiated: true\n    request_ttl_s: 300\n    clock_skew_s: 30');
    const post = (s: number) => h.send(form({ SAMLResponse: buildResponse(keys, base({ authnInstantS: s })).base64 }));
    refused(await post(-400), 'ERR_SAML_AUTHN_CONTEXT', 'unsolicited, older than request_ttl_s');
    signedIn(await post(-100), 'unsolicited, recent');
  });
});
