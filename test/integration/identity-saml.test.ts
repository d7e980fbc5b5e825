import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inflateRawSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { clientCtor } from '../../src/server/protos.js';
import { checkRequest, type Req } from '../unit/identity/helpers.js';
import { buildResponse, checkRedirect, idpLogoutRequest, idpLogoutResponse, idpMetadata, idpRedirectQuery, makeIdpKeys, newId, type TestIdpKeys } from '../unit/identity/saml-idp.js';
import type { PortcullisProc } from './harness/portcullis.js';
import { startStack, type Stack } from './harness/stack.js';

const IDP = 'https://idp.test/realms/demo';
const SSO = 'https://idp.test/protocol/saml';
const SP = 'https://app.test/saml/metadata';
const ACS = 'https://app.test/saml/acs';
const SLO = 'https://app.test/saml/slo';
const IDP_SLO = 'https://idp.test/protocol/saml/logout';
const browser = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document' };

/** A Check sent to one replica: { code, headers } of its answer. */
function directCheck(p: PortcullisProc, r: Req): Promise<{ code: string; headers: Record<string, string> }> {
  const Client = clientCtor('envoy.service.auth.v3.Authorization');
  const client = new Client(p.grpcAddress, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.Check(checkRequest(r), (err: Error | null, res: any) => {
      client.close();
      if (err) { reject(err); return; }
      const list = res.ok_response ? [] : res.denied_response.headers;
      resolve({ code: res.ok_response ? 'OK' : res.status.message, headers: Object.fromEntries(list.map((h: any) => [h.header.key, h.header.value])) });
    });
  });
}

const cookieOf = (setCookie: string | undefined) => (setCookie ?? '').split(';')[0]!;

describe('SAML sessions through Envoy, two Portcullis replicas sharing Redis', () => {
  let stack: Stack;
  let keys: TestIdpKeys;
  let spKeys: TestIdpKeys;

  before(async () => {
    keys = makeIdpKeys();
    spKeys = makeIdpKeys('portcullis-sp');
    stack = await startStack({
      redis: 'single',
      replicas: 2,
      config: ({ redisUrl, dir }) => {
        // the IdP (like a Keycloak client with "Client signature required") wants signed AuthnRequests and has SLO
        writeFileSync(join(dir, 'idp-metadata.xml'), idpMetadata(IDP, SSO, keys.cert, { wantSigned: true, sloUrl: IDP_SLO }));
        writeFileSync(join(dir, 'sp.key'), spKeys.key);
        writeFileSync(join(dir, 'sp.crt'), spKeys.cert);
        return `
store: { kind: redis, url: "${redisUrl}" }
threat: { mode: enforce }             # the ACS post (a base64 XML document) passes the injection detectors
identity:
  saml:
    sp_entity_id: ${SP}
    acs_url: ${ACS}
    idp: { metadata_file: idp-metadata.xml }
    signing: { key_file: sp.key, certificate_file: sp.crt }
    logout_redirect: /signed-out
    roles_attribute: Role
    session: { secret: "integration-test-session-secret-0123456789" }
  forward:
    claims: { subject: x-user, roles: x-roles, email: x-email }
routes:
  - name: app
    match: { path: { prefix: / } }
    identity: { accept: [saml] }
`;
      },
    });
  });
  after(async () => { await stack?.stop(); });

  /** The browser's first visit: Envoy answers with Portcullis's redirect to the IdP. */
  async function visit(path: string) {
    const r = await stack.request({ path, headers: browser });
    assert.equal(r.status, 302, r.body);
    const loc = new URL(r.headers.location!);
    const request = inflateRawSync(Buffer.from(loc.searchParams.get('SAMLRequest')!, 'base64')).toString();
    return { r, loc, id: /\bID="([^"]+)"/.exec(request)![1]!, requestCookie: cookieOf(r.headers['set-cookie']) };
  }

  async function postAcs(b64: string, relay: string, cookie: string) {
    return stack.request({
      method: 'POST', path: '/saml/acs', body: new URLSearchParams({ SAMLResponse: b64, RelayState: relay }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: 'https://idp.test' },
    });
  }

  it('serves the SP metadata through Envoy', async () => {
    const r = await stack.request({ path: '/saml/metadata' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/samlmetadata+xml');
    assert.match(r.body, new RegExp(`Location="${ACS}"`));
    assert.equal(stack.upstream.seen.filter((x) => x.path.startsWith('/saml/')).length, 0, 'answered by Portcullis, not forwarded');
  });

  it('signs a browser in: 302 to the IdP, the IdP posts to the ACS, 303 back with a session; the upstream sees the user', async () => {
    const { r: first, loc, id, requestCookie } = await visit('/orders/42?tab=items');
    assert.equal(`${loc.origin}${loc.pathname}`, SSO, 'the SSO URL comes from the IdP metadata');
    const asIdpSees = checkRedirect(first.headers.location!, spKeys.cert);
    assert.equal(asIdpSees.ok, true, 'the AuthnRequest is signed with the SP key (SigAlg + Signature over the query)');
    assert.equal(asIdpSees.sigAlg, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    assert.equal(checkRedirect(first.headers.location!.replace('RelayState=', 'RelayState=%2Fx'), spKeys.cert).ok, false, 'a changed query does not verify');
    assert.equal(loc.searchParams.get('RelayState'), '/orders/42?tab=items');
    const built = buildResponse(keys, { idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'alice@example.com', inResponseTo: id, attributes: { Role: ['buyer'], email: 'alice@example.com' } });
    const acs = await postAcs(built.base64, loc.searchParams.get('RelayState')!, requestCookie);
    assert.equal(acs.status, 303, acs.body);
    assert.equal(acs.headers.location, '/orders/42?tab=items');
    const session = cookieOf(acs.headers['set-cookie']);
    assert.match(session, /^__Host-portcullis_session=v1\./);
    for (let i = 0; i < 4; i++) {
      const r = await stack.request({ path: '/orders/42?tab=items', headers: { ...browser, cookie: session } });
      assert.equal(r.status, 200, r.body);
      const seen = r.json();
      assert.equal(seen.headers['x-user'], 'alice@example.com');
      assert.equal(seen.headers['x-roles'], 'buyer');
      assert.equal(seen.headers['x-portcullis-auth-kind'], 'saml');
    }
    // replayed to the ACS: refused, no cookie
    const again = await postAcs(built.base64, '/', requestCookie);
    assert.equal(again.status, 401);
    assert.equal(again.json().error, 'ERR_SAML_REPLAY');
    assert.equal(again.headers['set-cookie'], undefined);
  });

  it('a sign-in started on one replica completes on the other (the pending sign-in lives in a sealed cookie)', async () => {
    const [a, b] = stack.portcullis as [PortcullisProc, PortcullisProc];
    const start = await directCheck(a, { path: '/x', headers: browser });
    assert.equal(start.code, 'SAML_LOGIN_REDIRECT');
    const id = /\bID="([^"]+)"/.exec(inflateRawSync(Buffer.from(new URL(start.headers.location!).searchParams.get('SAMLRequest')!, 'base64')).toString())![1]!;
    const b64 = buildResponse(keys, { idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'bob@example.com', inResponseTo: id }).base64;
    const done = await directCheck(b, {
      method: 'POST', path: '/saml/acs', body: new URLSearchParams({ SAMLResponse: b64 }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(start.headers['set-cookie']) },
    });
    assert.equal(done.code, 'SAML_SIGNED_IN');
    const session = cookieOf(done.headers['set-cookie']);
    for (const p of [a, b]) assert.equal((await directCheck(p, { path: '/y', headers: { cookie: session } })).code, 'OK', p.name);
  });

  async function signIn(nameId: string): Promise<string> {
    const { loc, id, requestCookie } = await visit('/');
    const b64 = buildResponse(keys, { idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId, inResponseTo: id }).base64;
    return cookieOf((await postAcs(b64, loc.searchParams.get('RelayState')!, requestCookie)).headers['set-cookie']);
  }

  /** Every replica answers `code` for the session (pub/sub brings a revocation within milliseconds). */
  async function everyReplicaSays(session: string, code: string) {
    for (const p of stack.portcullis) {
      let got = '';
      for (let t0 = Date.now(); Date.now() - t0 < 3000; await sleep(25)) if ((got = (await directCheck(p, { path: '/z', headers: { cookie: session } })).code) === code) break;
      assert.equal(got, code, p.name);
    }
  }

  it('logout through the IdP (SP-initiated SLO): revoked on every replica, signed LogoutRequest, the IdP\'s LogoutResponse lands the browser', async () => {
    const session = await signIn('carol@example.com');
    await everyReplicaSays(session, 'OK');
    const out = await stack.request({ method: 'POST', path: '/saml/logout', headers: { cookie: session, 'sec-fetch-site': 'same-origin' } });
    assert.equal(out.status, 303, out.body);
    assert.ok(out.headers.location!.startsWith(`${IDP_SLO}?SAMLRequest=`), out.headers.location);
    const seen = checkRedirect(out.headers.location!, spKeys.cert);
    assert.equal(seen.ok, true, 'the LogoutRequest is signed with the SP key');
    assert.match(seen.xml, /<saml:NameID[^>]*>carol@example\.com<\/saml:NameID>/);
    assert.match(seen.xml, /<samlp:SessionIndex>_[0-9a-f]+<\/samlp:SessionIndex>/);
    await everyReplicaSays(session, 'ERR_TOKEN_REVOKED');
    const nav = await stack.request({ path: '/z', headers: { cookie: session, ...browser } });
    assert.equal(nav.status, 302, 'a browser with an ended session is sent to sign in again');

    // the IdP answers through the browser: GET on the SLO path with the logout cookie
    const logoutCookie = cookieOf(out.headers['set-cookie']);
    const requestId = /\bID="([^"]+)"/.exec(seen.xml)![1]!;
    const q = idpRedirectQuery('SAMLResponse', idpLogoutResponse({ issuer: IDP, destination: SLO, inResponseTo: requestId }), keys.key);
    const done = await stack.request({ path: `/saml/slo?${q}`, headers: { ...browser, cookie: `${session}; ${logoutCookie}` } });
    assert.equal(done.status, 303, done.body);
    assert.equal(done.headers.location, '/signed-out');
    assert.match(done.headers['set-cookie']!, /^__Host-portcullis_session=; Max-Age=0/);
    // replayed, on the other replica: the store remembers it
    const [, b] = stack.portcullis as [PortcullisProc, PortcullisProc];
    const replay = await directCheck(b, { path: `/saml/slo?${q}`, headers: { ...browser, cookie: logoutCookie } });
    assert.equal(replay.code, 'ERR_SAML_REPLAY');
    // a LogoutResponse signed by someone else
    const forged = idpRedirectQuery('SAMLResponse', idpLogoutResponse({ issuer: IDP, destination: SLO, inResponseTo: requestId }), makeIdpKeys('forger').key);
    const bad = await stack.request({ path: `/saml/slo?${forged}`, headers: { ...browser, cookie: logoutCookie } });
    assert.equal(bad.status, 401);
    assert.equal(bad.json().error, 'ERR_SAML_SIGNATURE');
    assert.equal(stack.upstream.seen.filter((x) => x.path.startsWith('/saml/')).length, 0, 'SLO is answered by Portcullis, never forwarded');
  });

  it('IdP-initiated logout: the IdP\'s signed LogoutRequest through Envoy ends the user\'s sessions on both replicas', async () => {
    const [a, b] = [await signIn('dave@example.com'), await signIn('dave@example.com')];
    const other = await signIn('erin@example.com');
    const requestId = newId();
    const q = idpRedirectQuery('SAMLRequest', idpLogoutRequest({ issuer: IDP, destination: SLO, nameId: 'dave@example.com', id: requestId }), keys.key, { relayState: 'kc-state' });
    const r = await stack.request({ path: `/saml/slo?${q}`, headers: { ...browser, cookie: a } });
    assert.equal(r.status, 303, r.body);
    const answer = checkRedirect(r.headers.location!, spKeys.cert);
    assert.equal(answer.ok, true, 'a signed LogoutResponse back to the IdP');
    assert.match(answer.xml, new RegExp(`InResponseTo="${requestId}"[\\s\\S]*status:Success`));
    assert.equal(answer.relayState, 'kc-state');
    await everyReplicaSays(a, 'ERR_TOKEN_REVOKED');
    await everyReplicaSays(b, 'ERR_TOKEN_REVOKED');
    await everyReplicaSays(other, 'OK');
  });

  it('refuses a forged assertion through Envoy and nothing reaches the upstream', async () => {
    const before = stack.upstream.seen.length;
    const { id, requestCookie } = await visit('/');
    const forged = makeIdpKeys('forger');
    const b64 = buildResponse(keys, { idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'admin@example.com', inResponseTo: id, signingKey: forged.key, signingCert: forged.cert }).base64;
    const r = await postAcs(b64, '/', requestCookie);
    assert.equal(r.status, 401);
    assert.equal(r.json().error, 'ERR_SAML_SIGNATURE');
    assert.equal(r.headers['set-cookie'], undefined);
    assert.equal(stack.upstream.seen.length, before);
  });
});
