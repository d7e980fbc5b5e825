import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { configProblem, runtimeFor, type Harness } from './helpers.js';
import { ACS, IDP, samlConfig, SP, SSO, startLogin } from './saml-browser.js';
import { checkRedirect, idpMetadata, makeIdpKeys, type TestIdpKeys, writeFile } from './saml-idp.js';

let idp: TestIdpKeys;
let sp: TestIdpKeys;
let other: TestIdpKeys;
let dir: string;

before(() => {
  idp = makeIdpKeys();
  sp = makeIdpKeys('portcullis-sp');
  other = makeIdpKeys('someone-else');
  dir = mkdtempSync(join(tmpdir(), 'pc-samlsign-'));
  writeFile(dir, 'sp.key', sp.key);
  writeFile(dir, 'sp.crt', sp.cert);
  writeFile(dir, 'other.crt', other.cert);
  writeFile(dir, 'idp.crt', idp.cert);
  writeFile(dir, 'wants-signed.xml', idpMetadata(IDP, SSO, idp.cert, { wantSigned: true }));
  writeFile(dir, 'ec.key', execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], { encoding: 'utf8' }));
  writeFile(dir, 'rsa1024.key', execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'], { encoding: 'utf8' }));
  writeFile(dir, 'encrypted.key', execFileSync('openssl', ['pkey', '-in', join(dir, 'sp.key'), '-aes256', '-passout', 'pass:secret-pass'], { encoding: 'utf8' }));
  writeFile(dir, 'garbage.key', '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
});

const signing = (more = '') => `    signing:\n      key_file: sp.key\n      certificate_file: sp.crt${more}`;

describe('SAML signed AuthnRequests (HTTP-Redirect, saml-bindings §3.4.4.1)', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(join(dir, 'idp.crt'), { extra: signing() }), dir); });
  after(async () => { await h.close(); });

  it('signs the redirect query with rsa-sha256: the IdP verifies it with the SP certificate', async () => {
    const { r, id } = await startLogin(h, '/app/orders?x=1');
    const c = checkRedirect(r.headers.location!, sp.cert);
    assert.equal(c.signed, true);
    assert.equal(c.sigAlg, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    assert.equal(c.ok, true, 'verifies with the SP certificate');
    assert.equal(c.relayState, '/app/orders?x=1');
    assert.match(c.xml, new RegExp(`ID="${id}"`));
    assert.match(c.xml, new RegExp(`<saml:Issuer[^>]*>${SP}</saml:Issuer>`));
    assert.match(c.xml, new RegExp(`Destination="${SSO}"`));
    assert.equal(checkRedirect(r.headers.location!, other.cert).ok, false, 'not with another certificate');
  });

  it('a tampered query no longer verifies (RelayState, SAMLRequest or SigAlg changed)', async () => {
    const { r } = await startLogin(h, '/app/orders');
    const url = r.headers.location!;
    const relay = url.replace(/RelayState=[^&]*/, 'RelayState=%2Fadmin');
    const q = new URL(url).searchParams.get('SAMLRequest')!;
    const request = url.replace(/SAMLRequest=[^&]*/, `SAMLRequest=${encodeURIComponent(q.slice(0, -4) + (q.endsWith('AAAA') ? 'BBBB' : 'AAAA'))}`);
    const alg = url.replace(/SigAlg=[^&]*/, `SigAlg=${encodeURIComponent('http://www.w3.org/2001/04/xmldsig-more#rsa-sha512')}`);
    for (const [what, u] of [['RelayState', relay], ['SAMLRequest', request], ['SigAlg', alg]] as const) {
      assert.notEqual(u, url, what);
      let ok: boolean;
      try { ok = checkRedirect(u, sp.cert).ok; } catch { ok = false; }
      assert.equal(ok, false, what);
    }
  });

  // checkRedirect reads the URL as a browser does (WHATWG URL: a raw ' in the query becomes %27)
  it('signs the octets a browser sends, also for a RelayState with characters encoders disagree on (~ ! \' ( ) * and space)', async () => {
    for (const path of ["/~alice/(draft)!*'x", '/a%20b/c', '/caf%C3%A9?q=a+b&r=~']) {
      const { r } = await startLogin(h, path);
      const c = checkRedirect(r.headers.location!, sp.cert);
      assert.equal(c.ok, true, path);
      assert.equal(c.relayState, path);
    }
  });

  it('publishes AuthnRequestsSigned="true" and the signing certificate in the SP metadata', async () => {
    const r = await h.send({ path: '/saml/metadata' });
    assert.equal(r.status, 200);
    assert.match(r.body, /AuthnRequestsSigned="true"/);
    const b64 = sp.cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    assert.match(r.body, new RegExp(`<KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64.replace(/[+/]/g, '\\$&')}</ds:X509Certificate>`));
    assert.match(r.body, new RegExp(`AssertionConsumerService[^>]+Location="${ACS}"`));
    assert.doesNotMatch(r.body, /PRIVATE KEY/);
  });

  it('rsa-sha512 when configured', async () => {
    const h2 = await runtimeFor(samlConfig(join(dir, 'idp.crt'), { extra: signing('\n      algorithm: rsa-sha512') }), dir);
    try {
      const { r } = await startLogin(h2);
      const c = checkRedirect(r.headers.location!, sp.cert);
      assert.equal(c.sigAlg, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512');
      assert.equal(c.ok, true);
    } finally { await h2.close(); }
  });

  it('without signing: no SigAlg/Signature and AuthnRequestsSigned="false" (as before)', async () => {
    const h2 = await runtimeFor(samlConfig(join(dir, 'idp.crt')), dir);
    try {
      const { r } = await startLogin(h2);
      assert.equal(checkRedirect(r.headers.location!, sp.cert).signed, false);
      const md = await h2.send({ path: '/saml/metadata' });
      assert.match(md.body, /AuthnRequestsSigned="false"/);
      assert.doesNotMatch(md.body, /KeyDescriptor/);
    } finally { await h2.close(); }
  });

  it('starts with a warning when only the IdP metadata wants signed requests and no key is configured (Keycloak\'s always does)', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } }));
    const text = samlConfig(join(dir, 'idp.crt')).replace(/idp: \{[^}]*\}/, 'idp: { metadata_file: wants-signed.xml }');
    const h2 = await runtimeFor(text, dir, undefined, logger);
    try {
      const { r } = await startLogin(h2);
      assert.equal(checkRedirect(r.headers.location!, sp.cert).signed, false);
      const warned = lines.map((l) => JSON.parse(l)).find((e) => e.level === 40 && /WantAuthnRequestsSigned="true" and no signing key is configured/.test(e.msg));
      assert.ok(warned, lines.join(''));
    } finally { await h2.close(); }
  });

  it('starts when the IdP metadata wants signed requests and a key is configured', async () => {
    const text = samlConfig(join(dir, 'idp.crt'), { extra: signing() }).replace(/idp: \{[^}]*\}/, 'idp: { metadata_file: wants-signed.xml }');
    const h2 = await runtimeFor(text, dir);
    try {
      const { r } = await startLogin(h2);
      assert.equal(checkRedirect(r.headers.location!, sp.cert).ok, true);
    } finally { await h2.close(); }
  });
});

const problem = (text: string): Promise<string> => configProblem(text, dir);

describe('identity.saml.signing config errors name the pointer and never show the key', () => {
  const keyBody = () => sp.key.split('\n')[1]!;
  const cases: Array<[string, () => string, string]> = [
    ['idp.want_authn_requests_signed, no key', () => samlConfig(join(dir, 'idp.crt')).replace(/certificate_files: \[[^\]]*\]/, '$&, want_authn_requests_signed: true'),
      '/identity/saml/idp/want_authn_requests_signed: the IdP requires signed AuthnRequests'],
    ['an unreadable key file', () => samlConfig(join(dir, 'idp.crt'), { extra: signing().replace('sp.key', 'missing.key') }), '/identity/saml/signing/key_file: cannot read missing.key: ENOENT'],
    ['a key file that is not a key', () => samlConfig(join(dir, 'idp.crt'), { extra: signing().replace('sp.key', 'garbage.key') }), '/identity/saml/signing/key_file: garbage.key is not a PEM private key'],
    ['a passphrase-protected key', () => samlConfig(join(dir, 'idp.crt'), { extra: signing().replace('sp.key', 'encrypted.key') }), '/identity/saml/signing/key_file: encrypted.key is passphrase-protected'],
    ['an EC key', () => samlConfig(join(dir, 'idp.crt'), { extra: signing().replace('sp.key', 'ec.key') }), '/identity/saml/signing/key_file: ec.key is a ec key'],
    ['a 1024-bit RSA key', () => samlConfig(join(dir, 'idp.crt'), { extra: signing().replace('sp.key', 'rsa1024.key') }), '/identity/saml/signing/key_file: rsa1024.key is a 1024-bit RSA key'],
    ['a certificate of another key', () => samlConfig(join(dir, 'idp.crt'), { extra: signing().replace('sp.crt', 'other.crt') }), '/identity/saml/signing/certificate_file: other.crt does not belong to the key in sp.key'],
    ['a certificate that is not one', () => samlConfig(join(dir, 'idp.crt'), { extra: signing().replace('sp.crt', 'sp.key') }), '/identity/saml/signing/certificate_file: sp.key is not a PEM X.509 certificate'],
    ['an unknown algorithm', () => samlConfig(join(dir, 'idp.crt'), { extra: signing('\n      algorithm: rsa-sha1') }), '/identity/saml/signing/algorithm: must be one of "rsa-sha256", "rsa-sha512"'],
  ];
  for (const [name, text, expected] of cases) {
    it(name, async () => {
      const msg = await problem(text());
      assert.ok(msg.includes(expected), msg);
      assert.match(msg, /portcullis\.yaml:\d+:\d+: /);
      assert.ok(!msg.includes(keyBody()), 'the key never appears');
      assert.ok(!msg.includes('secret-pass'));
    });
  }

  it('reads the key from the file given (a key the test wrote is the one used)', () => {
    assert.equal(readFileSync(join(dir, 'sp.key'), 'utf8'), sp.key);
  });
});
