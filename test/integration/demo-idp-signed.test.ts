// The demo IdP behind --sp-cert: it accepts only AuthnRequests signed with the SP key, as a Keycloak client
// with "Client signature required" does. Portcullis (in process, identity.saml.signing) makes the requests.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runtimeFor, type Harness } from '../unit/identity/helpers.js';
import { browser } from '../unit/identity/saml-browser.js';
import { idpMetadata, makeIdpKeys, writeFile } from '../unit/identity/saml-idp.js';
import { REPO } from './harness/portcullis.js';
import { freePort } from './harness/ports.js';
import { spawnManaged, waitFor, type Managed } from './harness/proc.js';

describe('demo IdP --sp-cert: signed AuthnRequests only', () => {
  let idp: Managed;
  let idpUrl = '';
  let signed: Harness;
  let unsigned: Harness;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-demoidp-'));
    const idpKeys = makeIdpKeys('demo-idp');
    const sp = makeIdpKeys('demo-sp');
    const port = await freePort();
    idpUrl = `http://localhost:${port}`;
    writeFile(dir, 'saml-idp.key', idpKeys.key);
    writeFile(dir, 'saml-idp.crt', idpKeys.cert);
    writeFile(dir, 'saml-idp-metadata.xml', idpMetadata('https://idp.demo.portcullis.test/', `${idpUrl}/sso`, idpKeys.cert, { wantSigned: true }));
    writeFile(dir, 'sp.key', sp.key);
    writeFile(dir, 'sp.crt', sp.cert);
    idp = spawnManaged('demo-idp', process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'demo-idp.ts'), '--port', String(port), '--dir', dir, '--sp-cert', join(dir, 'sp.crt')],
      { dir, cwd: REPO, env: { ...process.env, PORTCULLIS_DEMO_ACS: 'http://localhost:10000/saml/acs' } });
    const config = (signing: string) => `
identity:
  saml:
    sp_entity_id: https://portcullis.demo/saml/metadata
    acs_url: http://localhost:10000/saml/acs
    idp: { metadata_file: saml-idp-metadata.xml${signing ? '' : ', want_authn_requests_signed: false'} }
${signing}
    session: { secret: "${'d'.repeat(40)}", secure: false }
routes:
  - name: portal
    identity: { accept: [saml] }
`;
    signed = await runtimeFor(config('    signing: { key_file: sp.key, certificate_file: sp.crt }'), dir);
    unsigned = await runtimeFor(config(''), dir);
    await waitFor('demo IdP', async () => (await fetch(`${idpUrl}/metadata`)).ok, 15000, 50, idp);
  });
  after(async () => { await idp?.stop(); await signed?.close(); await unsigned?.close(); });

  it('shows the sign-in page for a signed AuthnRequest from Portcullis', async () => {
    const r = await signed.send({ path: '/portal/', headers: browser });
    assert.equal(r.status, 302);
    assert.ok(r.headers.location!.startsWith(`${idpUrl}/sso?SAMLRequest=`), r.headers.location);
    const page = await fetch(r.headers.location!);
    assert.equal(page.status, 200, await page.clone().text());
    assert.match(await page.text(), /Sign in as Carol/);
  });

  it('refuses an unsigned or altered AuthnRequest with 400', async () => {
    const plain = (await unsigned.send({ path: '/portal/', headers: browser })).headers.location!;
    assert.equal((await fetch(plain)).status, 400);
    const good = (await signed.send({ path: '/portal/', headers: browser })).headers.location!;
    assert.equal((await fetch(good.replace('RelayState=', 'RelayState=%2Fadmin'))).status, 400);
  });
});
