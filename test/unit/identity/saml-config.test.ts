import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { configProblem, runtimeFor } from './helpers.js';
import { idpMetadata, makeIdpKeys, writeFile } from './saml-idp.js';

const SECRET = 'Zq9xSecretThatMustNeverBeShown-0123456789';
const PREVIOUS = 'Pv7xPreviousSecretNeverShownEither-98765';
const SHORT = 'Sh0rtSecretNeverShown';
let dir: string;

before(() => {
  const keys = makeIdpKeys();
  dir = mkdtempSync(join(tmpdir(), 'pc-samlcfg-'));
  writeFile(dir, 'idp.crt', keys.cert);
  writeFile(dir, 'not-a-cert.crt', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
  writeFile(dir, 'idp.xml', idpMetadata('https://idp.test', 'https://idp.test/sso', keys.cert));
  writeFile(dir, 'bad-cert.xml', idpMetadata('https://idp.test', 'https://idp.test/sso', `-----BEGIN CERTIFICATE-----\n${Buffer.from('nope').toString('base64')}\n-----END CERTIFICATE-----`));
  writeFile(dir, 'secret.txt', `${SECRET}\n`);
  writeFile(dir, 'short.txt', `${SHORT}\n`);
});

interface Parts { top?: string; idp?: string; session?: string; extra?: string; routes?: string }

/** identity.saml in block YAML, so every key has its own line for the error's line:col. */
function yaml(p: Parts = {}): string {
  return `${p.top ?? ''}
identity:
  saml:
    sp_entity_id: https://app.test/saml/metadata
    acs_url: https://app.test/saml/acs
    idp:
${p.idp ?? '      entity_id: https://idp.test\n      sso_url: https://idp.test/sso\n      certificate_files: [idp.crt]'}
    session:
${p.session ?? `      secret: "${SECRET}"`}
${p.extra ?? ''}
routes:
${p.routes ?? '  - name: app\n    identity: { accept: [saml] }'}
`;
}

const problem = (text: string): Promise<string> => configProblem(text, dir);

const secret = (more = '') => `      secret: "${SECRET}"\n      previous_secrets: ["${PREVIOUS}"]${more}`;
const cases: Array<[string, Parts, string, string]> = [
  ['secret and secret_file', { session: `${secret()}\n      secret_file: secret.txt` }, '/identity/saml/session', 'set exactly one of secret, secret_file'],
  ['neither secret nor secret_file', { session: '      max_age_s: 3600' }, '/identity/saml/session', 'set exactly one of secret, secret_file'],
  ['a secret shorter than 32 characters', { session: `      secret: "${SHORT}"` }, '/identity/saml/session/secret', 'must NOT have fewer than 32 characters'],
  ['a previous secret shorter than 32 characters', { session: `      secret: "${SECRET}"\n      previous_secrets: ["${SHORT}"]` }, '/identity/saml/session/previous_secrets/0', 'must NOT have fewer than 32 characters'],
  ['a secret_file shorter than 32 characters', { session: '      secret_file: short.txt' }, '/identity/saml/session/secret_file', 'the session secret must be at least 32 characters'],
  ['an unreadable secret_file', { session: '      secret_file: missing-secret.txt' }, '/identity/saml/session/secret_file', 'cannot read missing-secret.txt: ENOENT'],
  ['an unreadable certificate file', { idp: '      entity_id: https://idp.test\n      sso_url: https://idp.test/sso\n      certificate_files: [idp.crt, nope.crt]' }, '/identity/saml/idp/certificate_files/1', 'cannot read nope.crt: ENOENT'],
  ['a certificate file that is not a certificate', { idp: '      entity_id: https://idp.test\n      sso_url: https://idp.test/sso\n      certificate_files: [not-a-cert.crt]' }, '/identity/saml/idp/certificate_files/0', 'not-a-cert.crt is not a PEM X.509 certificate'],
  ['an unreadable metadata file', { idp: '      metadata_file: nope.xml' }, '/identity/saml/idp/metadata_file', 'cannot read nope.xml: ENOENT'],
  ['metadata whose certificate is not one', { idp: '      metadata_file: bad-cert.xml' }, '/identity/saml/idp/metadata_file', 'bad-cert.xml: IDPSSODescriptor KeyDescriptor X509Certificate #1 is not an X.509 certificate'],
  ['metadata naming another IdP', { idp: '      metadata_file: idp.xml\n      entity_id: https://other.test' }, '/identity/saml/idp/metadata_file', 'idp.xml: metadata has no IdP with entityID "https://other.test"'],
  ['metadata_file plus sso_url', { idp: '      metadata_file: idp.xml\n      sso_url: https://idp.test/sso' }, '/identity/saml/idp', 'set metadata_file, or entity_id + sso_url + certificate_files, not both'],
  ['an incomplete manual IdP', { idp: '      entity_id: https://idp.test\n      sso_url: https://idp.test/sso' }, '/identity/saml/idp', 'set metadata_file, or all of entity_id, sso_url and certificate_files'],
  ['a __Host- cookie with secure: false', { session: secret('\n      cookie: __Host-s\n      secure: false') }, '/identity/saml/session/cookie', 'a __Host- cookie needs secure: true and no domain'],
  ['a __Host- cookie with a domain', { session: secret('\n      cookie: __Host-s\n      domain: app.test') }, '/identity/saml/session/cookie', 'a __Host- cookie needs secure: true and no domain'],
  ['a __Secure- cookie with secure: false', { session: secret('\n      cookie: __Secure-s\n      secure: false') }, '/identity/saml/session/cookie', 'a __Secure- cookie needs secure: true'],
  ['a __HOST- cookie (prefixes match in any case) with secure: false', { session: secret('\n      cookie: __HOST-s\n      secure: false') }, '/identity/saml/session/cookie', 'a __Host- cookie needs secure: true and no domain'],
  ['a __secure- cookie with secure: false', { session: secret('\n      cookie: __secure-s\n      secure: false') }, '/identity/saml/session/cookie', 'a __Secure- cookie needs secure: true'],
  ['same_site: none with secure: false', { session: secret('\n      secure: false\n      same_site: none') }, '/identity/saml/session/same_site', 'same_site: none needs secure: true (browsers drop the cookie otherwise)'],
  ['an acs_url with a query', { extra: '    acs_url: https://app.test/saml/acs?tenant=1' }, '/identity/saml/acs_url', 'the ACS URL must not have a query or fragment'],
  ['an acs_url with a fragment', { extra: '    acs_url: https://app.test/saml/acs#x' }, '/identity/saml/acs_url', 'the ACS URL must not have a query or fragment'],
  ['an acs_url that is not a URL', { extra: '    acs_url: "https://"' }, '/identity/saml/acs_url', 'not a URL'],
  ['logout_path equal to the ACS path', { extra: '    logout_path: /saml/acs' }, '/identity/saml', 'the ACS, logout and metadata paths must differ (/saml/acs, /saml/acs, /saml/metadata)'],
  ['metadata_path equal to logout_path', { extra: '    logout_path: /sso\n    metadata_path: /sso' }, '/identity/saml', 'the ACS, logout and metadata paths must differ (/saml/acs, /sso, /sso)'],
  ['an unknown key in identity.saml', { extra: '    acs_path: /saml/acs' }, '/identity/saml/acs_path', 'unknown key "acs_path"'],
  ['an unknown key in identity.saml.session', { session: secret('\n      http_only: false') }, '/identity/saml/session/http_only', 'unknown key "http_only"'],
  ['an unknown key in identity.saml.idp', { idp: '      metadata_file: idp.xml\n      metadata_url: https://idp.test/md' }, '/identity/saml/idp/metadata_url', 'unknown key "metadata_url"'],
];

describe('identity.saml config errors: file:line:col: pointer: problem, and never the secret', () => {
  for (const [name, parts, pointer, message] of cases) {
    it(name, async () => {
      let text = yaml(parts);
      // a second acs_url in `extra` replaces the first (YAML would refuse the duplicate key)
      if (parts.extra?.includes('acs_url:')) text = text.replace('    acs_url: https://app.test/saml/acs\n', '');
      const msg = await problem(text);
      const escaped = `${pointer}: ${message}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.match(msg, new RegExp(`^${join(dir, 'portcullis.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: ${escaped}$`), msg);
      for (const s of [SECRET, PREVIOUS, SHORT]) assert.ok(!msg.includes(s), `a secret in: ${msg}`);
    });
  }

  it('points at the line and column of the offending key', async () => {
    const msg = await problem(yaml({ session: secret('\n      secure: false\n      same_site: none') }));
    const lines = yaml({ session: secret('\n      secure: false\n      same_site: none') }).split('\n');
    const line = lines.findIndex((l) => l.startsWith('      same_site: none')) + 1;
    assert.match(msg, new RegExp(`portcullis\\.yaml:${line}:\\d+: /identity/saml/session/same_site:`));
  });

  it('refuses accept: [saml] when identity.saml is not configured', async () => {
    const msg = await problem('routes:\n  - name: app\n    identity: { accept: [saml] }\n');
    assert.match(msg, /portcullis\.yaml:\d+:\d+: \/routes\/0\/identity\/accept\/0: SAML is not configured \(identity\.saml\)$/);
  });

  it('builds a runtime from the valid variants (so the cases above fail for the reason they name)', async () => {
    for (const p of [{}, { idp: '      metadata_file: idp.xml' }, { session: '      secret_file: secret.txt' }, { session: secret('\n      cookie: sid\n      secure: false\n      same_site: strict') }] as Parts[]) {
      const h = await runtimeFor(yaml(p), dir);
      await h.close();
    }
  });
});
