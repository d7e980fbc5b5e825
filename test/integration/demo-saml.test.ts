// The demo's browser sign-in, as a browser does it: envoy/portcullis-full.yaml's `portal` route, the demo
// SAML IdP (scripts/demo-idp.ts), real Envoy and Redis. Each step is the page or redirect a user would see.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from './harness/portcullis.js';
import { freePort } from './harness/ports.js';
import { spawnManaged, waitFor, type Managed } from './harness/proc.js';
import { startStack, type Stack } from './harness/stack.js';
import { demoConfig, demoEnv } from './demo-config.js';

const field = (html: string, name: string) => {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return m ? m[1]!.replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d))) : undefined;
};
const cookieOf = (setCookie: string | undefined) => (setCookie ?? '').split(';')[0]!;

describe('demo: SAML sign-in on /portal/ with the demo IdP', () => {
  let stack: Stack;
  let idp: Managed;
  let idpUrl = '';

  before(async () => {
    const port = await freePort();
    idpUrl = `http://localhost:${port}`;
    stack = await startStack({
      redis: 'single',
      config: (v) => {
        demoEnv(join(v.dir, 'demo'), { PORTCULLIS_DEMO_IDP_URL: idpUrl });
        idp = spawnManaged('demo-idp', process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'demo-idp.ts'), '--port', String(port), '--dir', join(v.dir, 'demo')], { dir: v.dir, cwd: REPO });
        return demoConfig(v);
      },
    });
    await waitFor('demo IdP', async () => (await fetch(`${idpUrl}/metadata`)).ok, 15000, 50, idp);
  });
  after(async () => { await idp?.stop(); await stack?.stop(); });

  it('a visit is sent to the IdP, the IdP posts back, the portal sees the user; logout ends it', async () => {
    const nav = { accept: 'text/html', 'sec-fetch-dest': 'document' };
    const first = await stack.request({ path: '/portal/orders', headers: nav });
    assert.equal(first.status, 302, first.body);
    const toIdp = first.headers.location!;
    assert.ok(toIdp.startsWith(`${idpUrl}/sso?SAMLRequest=`), toIdp);
    const requestCookie = cookieOf(first.headers['set-cookie']);

    const login = await fetch(toIdp);
    const loginPage = await login.text();
    assert.equal(login.status, 200, loginPage);
    assert.match(loginPage, /Sign in as Carol \(admin\)/);

    const signed = await fetch(`${idpUrl}/sso/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ user: 'carol', id: field(loginPage, 'id')!, relay: field(loginPage, 'relay')! }) });
    const autoPost = await signed.text();
    assert.match(autoPost, /action="http:\/\/localhost:10000\/saml\/acs"/);

    const acs = await stack.request({
      method: 'POST', path: '/saml/acs', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: requestCookie },
      body: new URLSearchParams({ SAMLResponse: field(autoPost, 'SAMLResponse')!, RelayState: field(autoPost, 'RelayState')! }).toString(),
    });
    assert.equal(acs.status, 303, acs.body);
    assert.equal(acs.headers.location, '/portal/orders');
    const session = cookieOf(acs.headers['set-cookie']);
    assert.match(session, /^portcullis_session=v1\./, 'secure: false in the plain-HTTP demo: no __Host- prefix');

    const page = await stack.request({ path: '/portal/orders', headers: { ...nav, cookie: session, 'x-user-id': 'root' } });
    assert.equal(page.status, 200, page.body);
    const seen = page.json().headers;
    assert.equal(seen['x-user-id'], 'carol', 'the spoofed header is replaced');
    assert.equal(seen['x-user-roles'], 'admin');
    assert.equal(seen['x-user-email'], 'carol@example.com');

    const out = await stack.request({ path: '/saml/logout', headers: { cookie: session } });
    assert.equal(out.status, 303);
    assert.equal(out.headers.location, '/portal/');
    const after = await stack.request({ path: '/portal/orders', headers: { ...nav, cookie: session } });
    assert.equal(after.status, 302, 'signed out: back to the IdP');
  });

  it('the rest of the site keeps its own identity rules (the API still wants a token)', async () => {
    const r = await stack.request({ path: '/api/v1/orders/1', headers: { accept: 'text/html' } });
    assert.equal(r.status, 401);
    assert.match(r.headers['www-authenticate']!, /Bearer/);
  });
});
