import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { CookieSealer } from '../../../src/identity/saml-session.js';
import { buildResponse, makeIdpKeys, type ResponseOptions, type TestIdpKeys } from './saml-idp.js';
import { ACS, browser, form, IDP, samlConfig, SECRET, SP, SSO, startLogin } from './saml-browser.js';
import { runtimeFor, type CheckResult, type Harness } from './helpers.js';


let keys: TestIdpKeys;
let rogue: TestIdpKeys;


/** The AuthnRequest IDs in a request cookie value, opened the way Portcullis opens it. */
const pendingIds = (value: string) => (new CookieSealer([SECRET], '__Host-portcullis_saml_request').openValue(value) as Array<[string, number]>).map((e) => e[0]);
const base = (o: Partial<ResponseOptions> = {}): ResponseOptions => ({ idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'alice@example.com', attributes: { Role: ['admin', 'buyer'], email: 'alice@example.com' }, ...o });


async function login(h: Harness, o: Partial<ResponseOptions> = {}): Promise<{ cookie: string; r: CheckResult; b64: string; req: string }> {
  const { id, relay, req } = await startLogin(h);
  const built = buildResponse(keys, base({ inResponseTo: id, ...o }));
  const r = await h.send(form({ SAMLResponse: built.base64, RelayState: relay ?? '' }, req));
  const cookie = (r.headers['set-cookie'] ?? '').split(';')[0]!;
  return { cookie, r, b64: built.base64, req };
}

before(() => { keys = makeIdpKeys(); rogue = makeIdpKeys('rogue'); });

describe('SAML sessions: sign-in through the ACS, then the session cookie', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile)); });
  after(async () => { await h.close(); });

  it('serves SP metadata naming the entity id and the ACS', async () => {
    const r = await h.send({ path: '/saml/metadata' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/samlmetadata+xml');
    assert.match(r.body, new RegExp(`entityID="${SP}"`));
    assert.match(r.body, new RegExp(`AssertionConsumerService[^>]+Location="${ACS}"`));
  });

  it('redirects a browser navigation without a session to the IdP with an AuthnRequest and the path as RelayState', async () => {
    const { r, relay } = await startLogin(h, '/app/orders?x=1');
    const loc = new URL(r.headers.location!);
    assert.equal(`${loc.origin}${loc.pathname}`, SSO);
    assert.equal(relay, '/app/orders?x=1');
    const xml = inflateRawSync(Buffer.from(loc.searchParams.get('SAMLRequest')!, 'base64')).toString();
    assert.match(xml, new RegExp(`AssertionConsumerServiceURL="${ACS}"`));
    assert.match(xml, new RegExp(`<saml:Issuer[^>]*>${SP}</saml:Issuer>`));
    assert.equal(r.headers['cache-control'], 'no-store');
  });

  it('answers an API call (no text/html, or fetch()) without a session with 401, not a redirect', async () => {
    for (const headers of [{ accept: 'application/json' }, { accept: 'text/html', 'sec-fetch-dest': 'empty' }] as Array<Record<string, string>>) {
      const r = await h.send({ path: '/app/orders', headers });
      assert.equal(r.status, 401);
      assert.match(r.headers['www-authenticate']!, /^SAML realm="portcullis"/);
    }
    const post = await h.send({ method: 'POST', path: '/app/orders', headers: browser });
    assert.equal(post.status, 401);
  });

  it('signs in: the ACS verifies the assertion, sets a sealed HttpOnly Secure cookie and sends the browser back', async () => {
    const { cookie, r } = await login(h);
    assert.equal(r.status, 303, JSON.stringify(r.body));
    assert.equal(r.code, 'SAML_SIGNED_IN');
    assert.equal(r.headers.location, '/app/orders?x=1');
    const sc = r.headers['set-cookie']!;
    assert.match(sc, /^__Host-portcullis_session=v1\./);
    for (const attr of ['Path=/', 'HttpOnly', 'SameSite=Lax', 'Secure']) assert.ok(sc.includes(`; ${attr}`), `${attr} in ${sc}`);
    assert.doesNotMatch(sc, /alice/, 'the cookie is sealed: attributes are not readable');
    // the same answer deletes the answered sign-in's request cookie (its only entry): a second Set-Cookie
    assert.equal(r.cookies.length, 2, JSON.stringify(r.cookies));
    assert.match(r.cookies[1]!, /^__Host-portcullis_saml_request=; Max-Age=0; Path=\/; HttpOnly/);
    const ok = await h.send({ path: '/app/orders', headers: { cookie } });
    assert.equal(ok.allowed, true);
    assert.equal(ok.upstream['x-user'], 'alice@example.com');
    assert.equal(ok.upstream['x-roles'], 'admin,buyer');
    assert.equal(ok.upstream['x-email'], 'alice@example.com');
    assert.equal(ok.upstream['x-portcullis-auth-kind'], 'saml');
  });

  it('forwards a role that holds a comma (an AD group DN) as one list element', async () => {
    const { cookie, r } = await login(h, { attributes: { Role: ['CN=Admins,OU=Groups,DC=corp', '100%', 'buyer'] } });
    assert.equal(r.status, 303);
    const ok = await h.send({ path: '/app/x', headers: { cookie } });
    assert.equal(ok.upstream['x-roles'], 'CN=Admins%2COU=Groups%2CDC=corp,100%25,buyer');
    assert.deepEqual(ok.upstream['x-roles']!.split(',').map(decodeURIComponent), ['CN=Admins,OU=Groups,DC=corp', '100%', 'buyer']);
  });

  it('accepts a response once: posting it again is refused', async () => {
    const { r, b64, req } = await login(h);
    assert.equal(r.status, 303);
    const again = await h.send(form({ SAMLResponse: b64 }, req));
    assert.equal(again.status, 401);
    assert.equal(again.code, 'ERR_SAML_REPLAY', 'the same browser posting it again');
    const elsewhere = await h.send(form({ SAMLResponse: b64 }));
    assert.equal(elsewhere.code, 'ERR_SAML_IN_RESPONSE_TO', 'another browser');
  });

  it('refuses a tampered, foreign or duplicated session cookie', async () => {
    const { cookie } = await login(h);
    const [name, value] = cookie.split('=') as [string, string];
    const flipped = value.slice(0, 20) + (value[20] === 'A' ? 'B' : 'A') + value.slice(21);
    for (const c of [`${name}=${flipped}`, `${name}=v1.AAAA.BBBB.CCCC`, `${name}=garbage`]) {
      const r = await h.send({ path: '/app/x', headers: { cookie: c, accept: 'application/json' } });
      assert.equal(r.status, 401, c);
      assert.equal(r.code, 'ERR_SAML_SESSION_INVALID');
    }
    const browserRetry = await h.send({ path: '/app/x', headers: { cookie: `${name}=${flipped}`, ...browser } });
    assert.equal(browserRetry.status, 302, 'a browser with a dead session is sent to sign in again');
    const twice = await h.send({ path: '/app/x', headers: { cookie: `${cookie}; ${cookie}`, accept: 'application/json' } });
    assert.equal(twice.status, 400);
    assert.equal(twice.code, 'ERR_TOKEN_AMBIGUOUS');
  });

  it('logs out: the cookie is cleared and the old value no longer works', async () => {
    const { cookie } = await login(h);
    assert.equal((await h.send({ path: '/app/x', headers: { cookie } })).allowed, true);
    const out = await h.send({ method: 'POST', path: '/saml/logout', headers: { cookie } });
    assert.equal(out.status, 303);
    assert.equal(out.headers.location, '/');
    assert.match(out.headers['set-cookie']!, /^__Host-portcullis_session=; Max-Age=0;/);
    const r = await h.send({ path: '/app/x', headers: { cookie, accept: 'application/json' } });
    assert.equal(r.status, 401);
    assert.equal(r.code, 'ERR_TOKEN_REVOKED');
  });

  it('sets a __Host- request cookie that the IdP\'s cross-site post carries back', async () => {
    const { r, id } = await startLogin(h);
    const sc = r.headers['set-cookie']!;
    const [name, value] = sc.split(';')[0]!.split('=') as [string, string];
    assert.equal(name, '__Host-portcullis_saml_request');
    assert.doesNotMatch(value, new RegExp(id), 'sealed: the browser cannot read or forge its pending sign-ins');
    assert.deepEqual(pendingIds(value), [id]);
    for (const attr of ['Path=/', 'HttpOnly', 'SameSite=None', 'Secure', 'Max-Age=600']) assert.ok(sc.includes(`; ${attr}`), `${attr} in ${sc}`);
  });

  it('refuses a valid answer posted from a browser that did not start the sign-in (login CSRF)', async () => {
    const attacker = await startLogin(h);
    const victim = await startLogin(h);
    const attackersResponse = buildResponse(keys, base({ inResponseTo: attacker.id, nameId: 'mallory@example.com' })).base64;
    for (const cookie of [undefined, victim.req]) {
      const r = await h.send(form({ SAMLResponse: attackersResponse }, cookie));
      assert.equal(r.code, 'ERR_SAML_IN_RESPONSE_TO', String(cookie));
      assert.equal(r.headers['set-cookie'], undefined);
    }
  });

  it('keeps the last four pending sign-ins of a browser (several tabs)', async () => {
    const first = await startLogin(h);
    let jar = first.req;
    const ids = [first.id];
    for (let i = 0; i < 3; i++) { const n = await startLogin(h, '/x', jar); jar = n.req; ids.push(n.id); }
    assert.deepEqual(pendingIds(jar.split('=')[1]!), [...ids].reverse());
    const r = await h.send(form({ SAMLResponse: buildResponse(keys, base({ inResponseTo: first.id })).base64 }, jar));
    assert.equal(r.status, 303, 'the oldest of four still signs in');
    const fifth = await startLogin(h, '/x', jar);
    assert.deepEqual(pendingIds(fifth.req.split('=')[1]!), [fifth.id, ids[3], ids[2], ids[1]], 'a fifth pushes the oldest out');
  });

  it('never redirects off-site: RelayState that is not a local path sends the browser to /', async () => {
    for (const relay of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/ok\r\nSet-Cookie: x=1']) {
      const { id, req } = await startLogin(h);
      const r = await h.send(form({ SAMLResponse: buildResponse(keys, base({ inResponseTo: id })).base64, RelayState: relay }, req));
      assert.equal(r.status, 303, relay);
      assert.equal(r.headers.location, '/', relay);
    }
  });

  it('answers wrong methods on the SP paths with 405', async () => {
    assert.equal((await h.send({ path: '/saml/acs' })).status, 405);
    assert.equal((await h.send({ method: 'POST', path: '/saml/metadata' })).status, 405);
  });

  const signed = (o: Partial<ResponseOptions>) => (id: string) => buildResponse(keys, { ...base({ inResponseTo: id }), ...o }).base64;
  const statusOnly = (id: string) => Buffer.from(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${ACS}" InResponseTo="${id}"><saml:Issuer>${IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode></samlp:Status></samlp:Response>`).toString('base64');
  const attacks: Array<[string, (id: string) => string, string]> = [
    ['an unsigned response', signed({ sign: 'none' }), 'ERR_SAML_SIGNATURE'],
    ['an assertion signed by another key', signed({ signingKey: rogue?.key, signingCert: rogue?.cert }), 'ERR_SAML_SIGNATURE'],
    ['only the Response signed (assertions must be)', signed({ sign: 'response' }), 'ERR_SAML_SIGNATURE'],
    ['another audience', signed({ audience: 'https://other-sp.test' }), 'ERR_SAML_AUDIENCE'],
    ['an expired assertion', signed({ notBeforeS: -900, notOnOrAfterS: -600, subjectNotOnOrAfterS: -600 }), 'ERR_SAML_EXPIRED'],
    ['an assertion not yet valid', signed({ notBeforeS: 600, notOnOrAfterS: 900 }), 'ERR_SAML_EXPIRED'],
    ['another Recipient', signed({ recipient: 'https://evil.test/acs' }), 'ERR_SAML_RECIPIENT'],
    ['another Destination', signed({ destination: 'https://evil.test/acs' }), 'ERR_SAML_RECIPIENT'],
    ['another issuer signing with the trusted key', signed({ issuer: 'https://idp.evil.test' }), 'ERR_SAML_ISSUER'],
    ['an InResponseTo this SP never sent', signed({ inResponseTo: '_00000000000000000000000000000000000000ff' }), 'ERR_SAML_IN_RESPONSE_TO'],
    ['an unsolicited (IdP-initiated) response', signed({ inResponseTo: undefined }), 'ERR_SAML_IN_RESPONSE_TO'],
    ['an IdP error status', statusOnly, 'ERR_SAML_STATUS'],
  ];
  for (const [name, make, code] of attacks) {
    it(`refuses ${name} (${code})`, async () => {
      const { id, req } = await startLogin(h);
      const r = await h.send(form({ SAMLResponse: make(id) }, req));
      assert.equal(r.code, code, JSON.stringify(r.body));
      assert.equal(r.status, 401);
      assert.equal(r.headers['set-cookie'], undefined);
    });
  }

  it('refuses signature wrapping: an unsigned assertion next to, or around, a signed one', async () => {
    const { id, req } = await startLogin(h);
    const good = buildResponse(keys, base({ inResponseTo: id }));
    const signed = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(good.xml)![0];
    const evil = buildResponse(keys, base({ inResponseTo: id, nameId: 'admin@example.com', sign: 'none' }));
    const evilAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(evil.xml)![0];
    // XSW: two assertions (evil first)
    const two = good.xml.replace(signed, evilAssertion + signed);
    // XSW: the signed assertion hidden inside the evil one's Subject
    const nested = good.xml.replace(signed, evilAssertion.replace('</saml:Subject>', `${signed}</saml:Subject>`));
    // XSW: the signature of the good assertion moved into the evil one (same ID)
    const goodId = /ID="([^"]+)"/.exec(signed)![1]!;
    const sig = /<ds:Signature[\s\S]*<\/ds:Signature>|<Signature[\s\S]*<\/Signature>/.exec(signed)![0];
    const evilId = /ID="([^"]+)"/.exec(evilAssertion)![1]!;
    const moved = good.xml.replace(signed, evilAssertion.replace(`ID="${evilId}"`, `ID="${goodId}"`).replace('</saml:Issuer>', `</saml:Issuer>${sig}`));
    for (const [what, xml] of [['two assertions', two], ['nested', nested], ['moved signature', moved]] as const) {
      const r = await h.send(form({ SAMLResponse: Buffer.from(xml).toString('base64') }, req));
      assert.equal(r.allowed, false, what);
      assert.equal(r.headers['set-cookie'], undefined, what);
      assert.ok(r.code.startsWith('ERR_SAML_'), `${what}: ${r.code}`);
    }
  });

  it('reads a NameID split by a comment as the whole signed text (no truncation to the part before it)', async () => {
    const { cookie, r } = await login(h, { nameId: 'alice@example.com<!---->.evil.test' });
    assert.equal(r.status, 303);
    const ok = await h.send({ path: '/app/x', headers: { cookie } });
    assert.equal(ok.upstream['x-user'], 'alice@example.com.evil.test');
  });

  it('refuses malformed posts with a clear code: no field, not base64, a DOCTYPE, not a form, an incomplete body', async () => {
    const doctype = Buffer.from('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&a;</samlp:Response>').toString('base64');
    const cases: Array<[string, any]> = [
      ['no SAMLResponse', form({ RelayState: '/' })],
      ['not base64', form({ SAMLResponse: '!!not base64!!' })],
      ['DOCTYPE', form({ SAMLResponse: doctype })],
      ['XML garbage', form({ SAMLResponse: Buffer.from('<samlp:Response><oops').toString('base64') })],
      ['JSON body', { method: 'POST', path: '/saml/acs', headers: { 'content-type': 'application/json' }, body: '{"SAMLResponse":"x"}' }],
      ['truncated', { ...form({ SAMLResponse: 'PHg+' }), size: 100000 }],
      ['two fields', { ...form({}), body: 'SAMLResponse=PHg%2B&SAMLResponse=PHg%2B' }],
    ];
    for (const [what, req] of cases) {
      const r = await h.send(req);
      assert.equal(r.allowed, false, what);
      assert.equal(r.code, 'ERR_SAML_MALFORMED', `${what}: ${r.code} ${JSON.stringify(r.body)}`);
      assert.equal(r.status, 400);
    }
  });
});

describe('SAML: IdP-initiated sign-in when allowed', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile, { extra: '    allow_idp_initiated: true\n    attributes: [email]' })); });
  after(async () => { await h.close(); });

  it('accepts an unsolicited response once, keeping only the listed attributes', async () => {
    const built = buildResponse(keys, base());
    const r = await h.send(form({ SAMLResponse: built.base64, RelayState: '/home' }));
    assert.equal(r.status, 303, 'no request cookie is needed for an unsolicited response');
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/home');
    const cookie = r.headers['set-cookie']!.split(';')[0]!;
    const ok = await h.send({ path: '/x', headers: { cookie } });
    assert.equal(ok.upstream['x-email'], 'alice@example.com');
    assert.equal(ok.upstream['x-roles'], 'admin,buyer', 'roles come from roles_attribute even when it is not listed');
    const again = await h.send(form({ SAMLResponse: built.base64 }));
    assert.equal(again.code, 'ERR_SAML_REPLAY');
  });
});
