import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SAML } from '@node-saml/node-saml';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { runtimeFor, type CheckResult, type Harness } from './helpers.js';
import { browser, form, IDP, samlConfig, SP, startLogin } from './saml-browser.js';
import { buildResponse, checkRedirect, idpLogoutRequest, idpLogoutResponse, idpMetadata, idpRedirectQuery, makeIdpKeys, newId, type TestIdpKeys, writeFile } from './saml-idp.js';

const IDP_SLO = 'https://idp.test/slo';
const SLO = 'https://app.test/saml/slo';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';

let idp: TestIdpKeys;
let sp: TestIdpKeys;
let rogue: TestIdpKeys;
let dir: string;

before(() => {
  idp = makeIdpKeys();
  sp = makeIdpKeys('portcullis-sp');
  rogue = makeIdpKeys('rogue');
  dir = mkdtempSync(join(tmpdir(), 'pc-samlslo-'));
  writeFile(dir, 'sp.key', sp.key);
  writeFile(dir, 'sp.crt', sp.cert);
  writeFile(dir, 'idp.crt', idp.cert);
  writeFile(dir, 'idp-slo.xml', idpMetadata(IDP, 'https://idp.test/sso', idp.cert, { sloUrl: IDP_SLO, sloResponseUrl: `${IDP_SLO}/response` }));
});

/** The test config with the IdP's SLO URL (manual IdP), signing unless `unsigned`. */
function sloConfig(o: { unsigned?: boolean; extra?: string } = {}): string {
  const signing = o.unsigned ? '' : '    signing: { key_file: sp.key, certificate_file: sp.crt }\n';
  return samlConfig(join(dir, 'idp.crt'), { extra: `${signing}    logout_redirect: /bye\n${o.extra ?? ''}` })
    .replace(/certificate_files: \[[^\]]*\]/, `$&, slo_url: "${IDP_SLO}"`);
}

async function signIn(h: Harness, nameId = 'alice@example.com', sessionIndex = newId(), issuedS = 0): Promise<string> {
  const { id, req } = await startLogin(h);
  const built = buildResponse(idp, { idpEntityId: IDP, spEntityId: SP, acsUrl: 'https://app.test/saml/acs', nameId, inResponseTo: id, sessionIndex, issuedS, attributes: { Role: ['buyer'] } });
  const r = await h.send(form({ SAMLResponse: built.base64 }, req));
  assert.equal(r.code, 'SAML_SIGNED_IN', JSON.stringify(r.body));
  return r.headers['set-cookie']!.split(';')[0]!;
}

const json = { accept: 'application/json' };
const codeWith = async (h: Harness, cookie: string) => (await h.send({ path: '/app', headers: { cookie, ...json } })).code;

/** Logs out through the SP: the redirect to the IdP, the LogoutRequest the IdP sees, the logout cookie. */
async function startLogout(h: Harness, session: string) {
  const r = await h.send({ method: 'POST', path: '/saml/logout', headers: { cookie: session, 'sec-fetch-site': 'same-origin' } });
  assert.equal(r.code, 'SAML_LOGOUT_REDIRECT', JSON.stringify(r.body));
  const seen = checkRedirect(r.headers.location!, sp.cert);
  const requestId = /\bID="([^"]+)"/.exec(seen.xml)![1]!;
  // the session cookie is deleted on the way out (it is already revoked everywhere), next to the logout cookie
  assert.equal(r.cookies.length, 2, JSON.stringify(r.cookies));
  assert.match(r.cookies[1]!, /^__Host-portcullis_session=; Max-Age=0;/);
  return { r, seen, requestId, logoutCookie: r.headers['set-cookie']!.split(';')[0]! };
}

const slo = (h: Harness, query: string, cookie?: string): Promise<CheckResult> =>
  h.send({ path: `/saml/slo?${query}`, headers: { ...browser, ...(cookie ? { cookie } : {}) } });

describe('SAML single logout, SP-initiated (HTTP-Redirect)', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(sloConfig(), dir); });
  after(async () => { await h.close(); });

  it('logout revokes the session and sends the browser to the IdP with a signed LogoutRequest naming NameID and SessionIndex', async () => {
    const index = newId();
    const session = await signIn(h, 'alice@example.com', index);
    assert.equal(await codeWith(h, session), 'OK');
    const { r, seen, logoutCookie } = await startLogout(h, session);
    assert.equal(r.status, 303);
    assert.equal(r.headers.location!.split('?')[0], IDP_SLO);
    assert.equal(seen.ok, true, 'signed with the SP key');
    assert.match(seen.xml, /^<samlp:LogoutRequest /);
    assert.match(seen.xml, new RegExp(`Destination="${IDP_SLO}"`));
    assert.match(seen.xml, new RegExp(`<saml:Issuer>${SP}</saml:Issuer>`));
    assert.match(seen.xml, /<saml:NameID Format="urn:oasis:names:tc:SAML:1\.1:nameid-format:emailAddress">alice@example\.com<\/saml:NameID>/);
    assert.match(seen.xml, new RegExp(`<samlp:SessionIndex>${index}</samlp:SessionIndex>`));
    assert.match(logoutCookie, /^__Host-portcullis_saml_logout=v1\./);
    assert.match(r.headers['set-cookie']!, /; HttpOnly; SameSite=None; Secure/);
    assert.equal(await codeWith(h, session), 'ERR_TOKEN_REVOKED', 'ended here before the browser left');
  });

  it('names the NameID as the IdP issued it: NameQualifier and SPNameQualifier come back (kept in the sealed cookie)', async () => {
    const { id, req } = await startLogin(h);
    const built = buildResponse(idp, { idpEntityId: IDP, spEntityId: SP, acsUrl: 'https://app.test/saml/acs', nameId: 'ivan@example.com', inResponseTo: id, nameQualifier: IDP, spNameQualifier: SP });
    const session = (await h.send(form({ SAMLResponse: built.base64 }, req))).headers['set-cookie']!.split(';')[0]!;
    assert.doesNotMatch(session, /ivan|idp\.test/, 'sealed');
    const { seen } = await startLogout(h, session);
    assert.match(seen.xml, new RegExp(`<saml:NameID Format="[^"]+" NameQualifier="${IDP}" SPNameQualifier="${SP}">ivan@example\\.com</saml:NameID>`));
  });

  it('the LogoutRequest verifies with node-saml as the IdP would check it (signature, issuer, NameID, SessionIndex)', async () => {
    const index = newId();
    const { r } = await startLogout(h, await signIn(h, 'dora@example.com', index));
    const asIdp = new SAML({ idpCert: sp.cert, issuer: IDP, callbackUrl: IDP_SLO, idpIssuer: SP, audience: IDP });
    const url = new URL(r.headers.location!);
    const container = Object.fromEntries(url.searchParams);
    const { profile, loggedOut } = await asIdp.validateRedirectAsync(container, url.search.slice(1));
    assert.equal(loggedOut, true);
    assert.equal(profile?.nameID, 'dora@example.com');
    assert.equal(profile?.sessionIndex, index);
    const tampered = { ...container, RelayState: '/evil' };
    await assert.rejects(asIdp.validateRedirectAsync(tampered, `${url.search.slice(1)}&RelayState=%2Fevil`), /Invalid query signature/);
  });

  it('the IdP\'s signed LogoutResponse lands the browser on logout_redirect with the cookie cleared; once only', async () => {
    const session = await signIn(h);
    const { requestId, logoutCookie } = await startLogout(h, session);
    const q = idpRedirectQuery('SAMLResponse', idpLogoutResponse({ issuer: IDP, destination: SLO, inResponseTo: requestId }), idp.key);
    const done = await slo(h, q, `${session}; ${logoutCookie}`);
    assert.equal(done.code, 'SAML_SIGNED_OUT', JSON.stringify(done.body));
    assert.equal(done.status, 303);
    assert.equal(done.headers.location, '/bye');
    assert.match(done.headers['set-cookie']!, /^__Host-portcullis_session=; Max-Age=0;/);
    // and the answered logout leaves the logout cookie (its only entry: deleted)
    assert.equal(done.cookies.length, 2, JSON.stringify(done.cookies));
    assert.match(done.cookies[1]!, new RegExp(`^${logoutCookie.split('=')[0]}=; Max-Age=0;`));
    const again = await slo(h, q, logoutCookie);
    assert.equal(again.code, 'ERR_SAML_REPLAY');
  });

  it('an IdP that could not end its session still lands the browser signed out here', async () => {
    const { requestId, logoutCookie } = await startLogout(h, await signIn(h));
    const q = idpRedirectQuery('SAMLResponse', idpLogoutResponse({ issuer: IDP, destination: SLO, inResponseTo: requestId, status: 'urn:oasis:names:tc:SAML:2.0:status:Responder' }), idp.key);
    const r = await slo(h, q, logoutCookie);
    assert.equal(r.code, 'SAML_SIGNED_OUT');
    assert.equal(r.headers.location, '/bye');
  });

  type Make = (requestId: string) => string;
  const resp = (o: Parameters<typeof idpLogoutResponse>[0], key?: string | null, sigAlg?: string): Make => () => idpRedirectQuery('SAMLResponse', idpLogoutResponse(o), key === undefined ? idp.key : key, sigAlg ? { sigAlg } : {});
  const refused: Array<[string, Make, string, boolean?]> = [
    ['signed by another key', (id) => resp({ issuer: IDP, destination: SLO, inResponseTo: id }, rogue.key)(id), 'ERR_SAML_SIGNATURE'],
    ['unsigned', (id) => resp({ issuer: IDP, destination: SLO, inResponseTo: id }, null)(id), 'ERR_SAML_SIGNATURE'],
    ['rsa-sha1', (id) => resp({ issuer: IDP, destination: SLO, inResponseTo: id }, idp.key, RSA_SHA1)(id), 'ERR_SAML_SIGNATURE'],
    ['changed after signing', (id) => {
      const good = resp({ issuer: IDP, destination: SLO, inResponseTo: id })(id);
      const other = idpRedirectQuery('SAMLResponse', idpLogoutResponse({ issuer: IDP, destination: SLO, inResponseTo: id }), null);
      return good.replace(/SAMLResponse=[^&]*/, other.split('&')[0]!);
    }, 'ERR_SAML_SIGNATURE'],
    ['another issuer (signed with the IdP key)', (id) => resp({ issuer: 'https://idp.evil.test', destination: SLO, inResponseTo: id })(id), 'ERR_SAML_ISSUER'],
    ['another Destination', (id) => resp({ issuer: IDP, destination: 'https://evil.test/slo', inResponseTo: id })(id), 'ERR_SAML_RECIPIENT'],
    ['no Destination', (id) => resp({ issuer: IDP, destination: null, inResponseTo: id })(id), 'ERR_SAML_RECIPIENT'],
    ['an InResponseTo this browser never sent', (id) => resp({ issuer: IDP, destination: SLO, inResponseTo: newId() })(id), 'ERR_SAML_IN_RESPONSE_TO'],
    ['unsolicited (no InResponseTo)', (id) => resp({ issuer: IDP, destination: SLO })(id), 'ERR_SAML_IN_RESPONSE_TO'],
    ['the right InResponseTo from a browser without the logout cookie', (id) => resp({ issuer: IDP, destination: SLO, inResponseTo: id })(id), 'ERR_SAML_IN_RESPONSE_TO', true],
    ['issued an hour ago', (id) => resp({ issuer: IDP, destination: SLO, inResponseTo: id, issueInstantS: -3600 })(id), 'ERR_SAML_EXPIRED'],
    ['issued in the future', (id) => resp({ issuer: IDP, destination: SLO, inResponseTo: id, issueInstantS: 3600 })(id), 'ERR_SAML_EXPIRED'],
    ['a LogoutRequest in SAMLResponse', (id) => idpRedirectQuery('SAMLResponse', idpLogoutRequest({ issuer: IDP, destination: SLO, nameId: 'x', id }), idp.key), 'ERR_SAML_MALFORMED'],
    ['both SAMLRequest and SAMLResponse', (id) => `SAMLRequest=x&${resp({ issuer: IDP, destination: SLO, inResponseTo: id })(id)}`, 'ERR_SAML_MALFORMED'],
    ['SAMLResponse twice', (id) => { const q = resp({ issuer: IDP, destination: SLO, inResponseTo: id })(id); return `${q.split('&')[0]}&${q}`; }, 'ERR_SAML_MALFORMED'],
    ['not DEFLATE (signed)', (id) => idpRedirectQuery('SAMLResponse', idpLogoutResponse({ issuer: IDP, destination: SLO, inResponseTo: id }), idp.key, { notDeflated: true }), 'ERR_SAML_MALFORMED'],
    ['a DEFLATE bomb (signed)', () => idpRedirectQuery('SAMLResponse', `<a>${' '.repeat(200_000)}</a>`, idp.key), 'ERR_SAML_MALFORMED'],
    ['a DOCTYPE', (id) => idpRedirectQuery('SAMLResponse', `<!DOCTYPE x [<!ENTITY a "b">]>${idpLogoutResponse({ issuer: IDP, destination: SLO, inResponseTo: id })}`, idp.key), 'ERR_SAML_MALFORMED'],
    ['no message at all', () => 'RelayState=%2F', 'ERR_SAML_MALFORMED'],
  ];
  for (const [name, make, code, noCookie] of refused) {
    it(`refuses a LogoutResponse: ${name} (${code})`, async () => {
      const { requestId, logoutCookie } = await startLogout(h, await signIn(h));
      const r = await slo(h, make(requestId), noCookie ? undefined : logoutCookie);
      assert.equal(r.code, code, JSON.stringify(r.body));
      assert.equal(r.allowed, false);
      assert.equal(r.headers.location, undefined);
      assert.equal(r.headers['set-cookie'], undefined);
    });
  }

  it('keeps the logout-CSRF protection: a cross-site logout is 403 and does not end the session or reach the IdP', async () => {
    const session = await signIn(h);
    const r = await h.send({ method: 'POST', path: '/saml/logout', headers: { cookie: session, 'sec-fetch-site': 'cross-site' } });
    assert.equal(r.code, 'ERR_CSRF');
    assert.equal(r.headers.location, undefined);
    assert.equal(await codeWith(h, session), 'OK');
  });

  it('answers only GET at the SLO path; without a session, logout is local (no LogoutRequest)', async () => {
    assert.equal((await h.send({ method: 'POST', path: '/saml/slo' })).status, 405);
    const r = await h.send({ method: 'POST', path: '/saml/logout' });
    assert.equal(r.code, 'SAML_SIGNED_OUT');
    assert.equal(r.headers.location, '/bye');
  });

  it('a session that already ended asks the IdP for nothing: an old cookie cannot mint LogoutRequests', async () => {
    const session = await signIn(h);
    await startLogout(h, session); // the first logout: revoked here, on to the IdP
    for (let i = 0; i < 2; i++) {
      const again = await h.send({ method: 'POST', path: '/saml/logout', headers: { cookie: session, 'sec-fetch-site': 'same-origin' } });
      assert.equal(again.code, 'SAML_SIGNED_OUT', JSON.stringify(again.body));
      assert.equal(again.headers.location, '/bye');
      assert.match(again.headers['set-cookie']!, /^__Host-portcullis_session=; Max-Age=0;/);
    }
  });

  it('publishes its SingleLogoutService (HTTP-Redirect) in the SP metadata', async () => {
    const r = await h.send({ path: '/saml/metadata' });
    assert.match(r.body, new RegExp(`<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${SLO}"/>`));
  });
});

describe('SAML single logout, IdP-initiated (HTTP-Redirect)', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(sloConfig(), dir); });
  after(async () => { await h.close(); });

  it('a signed LogoutRequest ends that user\'s sessions on every replica and is answered with a signed LogoutResponse; RelayState comes back', async () => {
    const a1 = await signIn(h, 'erin@example.com');
    const a2 = await signIn(h, 'erin@example.com');
    const other = await signIn(h, 'frank@example.com');
    const requestId = newId();
    const q = idpRedirectQuery('SAMLRequest', idpLogoutRequest({ issuer: IDP, destination: SLO, nameId: 'erin@example.com', id: requestId, notOnOrAfterS: 300 }), idp.key, { relayState: 'idp state ~1' });
    const r = await slo(h, q, a1);
    assert.equal(r.code, 'SAML_LOGGED_OUT_BY_IDP', JSON.stringify(r.body));
    assert.equal(r.status, 303);
    assert.match(r.headers['set-cookie']!, /^__Host-portcullis_session=; Max-Age=0;/);
    const answer = checkRedirect(r.headers.location!, sp.cert);
    assert.equal(r.headers.location!.split('?')[0], IDP_SLO);
    assert.equal(answer.ok, true, 'signed with the SP key');
    assert.equal(answer.relayState, 'idp state ~1');
    assert.match(answer.xml, /^<samlp:LogoutResponse /);
    assert.match(answer.xml, new RegExp(`InResponseTo="${requestId}"`));
    assert.match(answer.xml, new RegExp(`Destination="${IDP_SLO}"`));
    assert.match(answer.xml, /StatusCode Value="urn:oasis:names:tc:SAML:2\.0:status:Success"/);
    assert.equal(await codeWith(h, a1), 'ERR_TOKEN_REVOKED');
    assert.equal(await codeWith(h, a2), 'ERR_TOKEN_REVOKED', 'every session of the user, not only this browser\'s');
    assert.equal(await codeWith(h, other), 'OK', 'another user is untouched');
    // IssueInstant has whole seconds: an assertion of the same second as the logout counts as before it
    const fresh = await signIn(h, 'erin@example.com', newId(), 2);
    assert.equal(await codeWith(h, fresh), 'OK', 'signing in again afterwards works');
    assert.equal((await slo(h, q)).code, 'ERR_SAML_REPLAY', 'the same LogoutRequest twice');
  });

  it('a LogoutRequest for one user, opened in another user\'s browser, does not delete that browser\'s session cookie (logout CSRF with a captured request)', async () => {
    const victim = await signIn(h, 'victor@example.com');
    const mine = await signIn(h, 'mallory@example.com');
    // the attacker's own IdP logout, stopped before its browser followed it, sent to the victim's browser instead
    const q = idpRedirectQuery('SAMLRequest', idpLogoutRequest({ issuer: IDP, destination: SLO, nameId: 'mallory@example.com', id: newId(), notOnOrAfterS: 300 }), idp.key);
    const r = await slo(h, q, victim);
    assert.equal(r.code, 'SAML_LOGGED_OUT_BY_IDP', JSON.stringify(r.body));
    assert.equal(r.headers['set-cookie'], undefined, 'the victim\'s cookie is left alone');
    assert.equal(await codeWith(h, victim), 'OK');
    assert.equal(await codeWith(h, mine), 'ERR_TOKEN_REVOKED', 'the named user is signed out');
  });

  const req = (o: Partial<Parameters<typeof idpLogoutRequest>[0]>, key: string | null = idp.key) =>
    idpRedirectQuery('SAMLRequest', idpLogoutRequest({ issuer: IDP, destination: SLO, nameId: 'gina@example.com', ...o }), key);
  const refused: Array<[string, () => string, string]> = [
    ['signed by another key', () => req({}, rogue.key), 'ERR_SAML_SIGNATURE'],
    ['unsigned', () => req({}, null), 'ERR_SAML_SIGNATURE'],
    ['another issuer', () => req({ issuer: 'https://idp.evil.test' }), 'ERR_SAML_ISSUER'],
    ['another Destination', () => req({ destination: 'https://evil.test/slo' }), 'ERR_SAML_RECIPIENT'],
    ['expired (NotOnOrAfter)', () => req({ notOnOrAfterS: -600 }), 'ERR_SAML_EXPIRED'],
    ['an empty NameID', () => req({ nameId: '' }), 'ERR_SAML_MALFORMED'],
  ];
  for (const [name, make, code] of refused) {
    it(`refuses a LogoutRequest: ${name} (${code}) and ends no session`, async () => {
      const session = await signIn(h, 'gina@example.com');
      const r = await slo(h, make(), session);
      assert.equal(r.code, code, JSON.stringify(r.body));
      assert.equal(r.headers.location, undefined);
      assert.equal(await codeWith(h, session), 'OK');
    });
  }

  it('sends the LogoutResponse to the metadata\'s ResponseLocation', async () => {
    const text = sloConfig().replace(/idp: \{[^}]*\}/, 'idp: { metadata_file: idp-slo.xml }');
    const h2 = await runtimeFor(text, dir);
    try {
      const r = await slo(h2, req({ nameId: 'hal@example.com' }));
      assert.equal(r.code, 'SAML_LOGGED_OUT_BY_IDP', JSON.stringify(r.body));
      assert.equal(r.headers.location!.split('?')[0], `${IDP_SLO}/response`);
    } finally { await h2.close(); }
  });
});

describe('SAML single logout without a signing key, and switched off', () => {
  it('without a key, logout stays local (most IdPs refuse unsigned LogoutRequests)', async () => {
    const h = await runtimeFor(sloConfig({ unsigned: true }), dir);
    try {
      const session = await signIn(h);
      const r = await h.send({ method: 'POST', path: '/saml/logout', headers: { cookie: session, 'sec-fetch-site': 'same-origin' } });
      assert.equal(r.code, 'SAML_SIGNED_OUT', JSON.stringify(r.body));
      assert.equal(r.headers.location, '/bye');
      assert.equal(await codeWith(h, session), 'ERR_TOKEN_REVOKED');
    } finally { await h.close(); }
  });

  it('single_logout: true sends an unsigned LogoutRequest when no key is configured', async () => {
    const h = await runtimeFor(sloConfig({ unsigned: true, extra: '    single_logout: true\n' }), dir);
    try {
      const { seen } = await startLogout(h, await signIn(h));
      assert.equal(seen.signed, false);
      assert.match(seen.xml, /<saml:NameID[^>]*>alice@example\.com</);
    } finally { await h.close(); }
  });

  it('single_logout: false keeps logout local and leaves the SLO path to the route', async () => {
    const h = await runtimeFor(sloConfig({ extra: '    single_logout: false\n' }), dir);
    try {
      const session = await signIn(h);
      const r = await h.send({ method: 'POST', path: '/saml/logout', headers: { cookie: session } });
      assert.equal(r.code, 'SAML_SIGNED_OUT');
      assert.equal(r.headers.location, '/bye');
      const s = await h.send({ path: `/saml/slo?${idpRedirectQuery('SAMLRequest', idpLogoutRequest({ issuer: IDP, destination: SLO, nameId: 'x' }), idp.key)}`, headers: json });
      assert.equal(s.code, 'ERR_UNAUTHENTICATED', 'not answered as an SLO endpoint');
      assert.doesNotMatch((await h.send({ path: '/saml/metadata' })).body, /SingleLogoutService/);
    } finally { await h.close(); }
  });
});

describe('SAML single logout config errors', () => {
  const problem = async (text: string): Promise<string> => {
    let msg = '';
    await assert.rejects(runtimeFor(text, dir), (e: unknown) => { assert.ok(e instanceof ConfigLoadError, String(e)); msg = e.message; return true; });
    return msg;
  };
  it('single_logout: true without an IdP SingleLogoutService', async () => {
    const msg = await problem(samlConfig(join(dir, 'idp.crt'), { extra: '    single_logout: true' }));
    assert.match(msg, /\/identity\/saml\/single_logout: the IdP has no SingleLogoutService with the HTTP-Redirect binding/);
  });
  it('single logout with the revocation list switched off', async () => {
    const msg = await problem(sloConfig().replace('  forward:', '  revocation:\n    enabled: false\n  forward:'));
    assert.match(msg, /\/identity\/revocation\/enabled: SAML single logout ends sessions through the revocation list/);
  });
  it('an SLO URL whose path is the logout path', async () => {
    const msg = await problem(sloConfig({ extra: '    slo_url: https://app.test/saml/logout\n' }));
    assert.match(msg, /\/identity\/saml\/slo_url: the SLO path \/saml\/logout must differ/);
  });
  it('an SLO URL with a query', async () => {
    const msg = await problem(sloConfig({ extra: '    slo_url: "https://app.test/slo?x=1"\n' }));
    assert.match(msg, /\/identity\/saml\/slo_url: the SLO URL must not have a query or fragment/);
  });
});
