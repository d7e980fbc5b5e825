/**
 * `name_id_format`: the NameID Format the SP asks for (NameIDPolicy) is also the one it accepts. The subject
 * of the session is the NameID's value, and the same string in another format (a transient id, an
 * unspecified account name) is not the same user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildResponse, makeIdpKeys, type ResponseOptions, type TestIdpKeys } from './saml-idp.js';
import { ACS, form, IDP, samlConfig, SP, startLogin } from './saml-browser.js';
import { runtimeFor, type CheckResult, type Harness } from './helpers.js';

const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

let keys: TestIdpKeys;
before(() => { keys = makeIdpKeys(); });

const base = (o: Partial<ResponseOptions> = {}): ResponseOptions => ({ idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'alice@example.com', ...o });

async function signIn(h: Harness, nameIdFormat: string | null): Promise<CheckResult> {
  const { id, req } = await startLogin(h);
  return h.send(form({ SAMLResponse: buildResponse(keys, base({ inResponseTo: id, nameIdFormat })).base64 }, req));
}

const cfg = (format: string) => samlConfig(keys.certFile, { extra: `    name_id_format: "${format}"` });

describe('SAML: name_id_format is checked on the answer', () => {
  const hs: Harness[] = [];
  after(async () => { for (const h of hs) await h.close(); });
  const runtime = async (format: string) => { const h = await runtimeFor(cfg(format)); hs.push(h); return h; };

  it('accepts a NameID of the configured format, refuses another format (ERR_SAML_NAME_ID_FORMAT, no session)', async () => {
    const h = await runtime(PERSISTENT);
    assert.equal((await signIn(h, PERSISTENT)).code, 'SAML_SIGNED_IN');
    for (const f of [TRANSIENT, EMAIL, UNSPECIFIED, PERSISTENT.toUpperCase()]) {
      const r = await signIn(h, f);
      assert.equal(r.code, 'ERR_SAML_NAME_ID_FORMAT', `${f}: ${r.code}`);
      assert.equal(r.status, 401);
      assert.equal(r.cookies.some((c) => c.startsWith('__Host-portcullis_session=')), false, f);
    }
  });

  it('reads a NameID without Format as unspecified (SAML core §2.2.2): refused when a format is configured', async () => {
    const h = await runtime(EMAIL);
    assert.equal((await signIn(h, null)).code, 'ERR_SAML_NAME_ID_FORMAT');
  });

  it('configured unspecified lets the IdP choose (SAML core §3.4.1.1, §8.3.1): any format, or none', async () => {
    const h = await runtime(UNSPECIFIED);
    for (const f of [UNSPECIFIED, PERSISTENT, EMAIL, null]) assert.equal((await signIn(h, f)).code, 'SAML_SIGNED_IN', String(f));
  });

  it('without name_id_format every format is accepted (as before)', async () => {
    const h = await runtimeFor(samlConfig(keys.certFile)); hs.push(h);
    for (const f of [PERSISTENT, TRANSIENT, null]) assert.equal((await signIn(h, f)).code, 'SAML_SIGNED_IN', String(f));
  });
});
