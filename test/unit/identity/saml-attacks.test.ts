/**
 * A SAML pentest of the `saml` identity kind, one attack per test: XML Signature Wrapping (XSW1–XSW8 as
 * in SAML Raider / Somorovsky et al., "On Breaking SAML"), signature exclusion and key confusion, comment
 * and CDATA truncation, DOCTYPE smuggling, addressing (Recipient / Destination / Audience), the SP's own
 * endpoints (RelayState, path matching, the request cookie), the session cookie, and what reaches logs.
 * Every attack must end without a session (no Set-Cookie of the session cookie, nothing allowed through)
 * unless the test says the input is benign.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SignedXml } from 'xml-crypto';
import { parseConfig } from '../../../src/config/loader.js';
import { SessionSealer } from '../../../src/identity/saml-session.js';
import { check } from '../../../src/pipeline/check.js';
import { buildRuntime, closeRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import type { AdminRoute } from '../../../src/server/admin-route.js';
import { buildResponse, makeIdpKeys, newId, signElement, type ResponseOptions, type TestIdpKeys } from './saml-idp.js';
import { ACS, browser, form, IDP, samlConfig, SECRET, SP, SSO, startLogin } from './saml-browser.js';
import { checkRequest, resultOf, runtimeFor, silent, type CheckResult, type Harness, type Req } from './helpers.js';

const SESSION = '__Host-portcullis_session';
const REQUEST_COOKIE = '__Host-portcullis_saml_request';

let keys: TestIdpKeys;
let rogue: TestIdpKeys;


const json = { accept: 'application/json' };
const base = (o: Partial<ResponseOptions> = {}): ResponseOptions => ({ idpEntityId: IDP, spEntityId: SP, acsUrl: ACS, nameId: 'alice@example.com', attributes: { Role: ['buyer'], email: 'alice@example.com' }, ...o });
const b64 = (xml: string) => Buffer.from(xml).toString('base64');


/** Posts what `make` builds for a fresh sign-in from the browser that started it. */
async function post(h: Harness, make: (id: string) => string, fields: Record<string, string> = {}): Promise<CheckResult> {
  const { id, req } = await startLogin(h);
  return h.send(form({ SAMLResponse: make(id), ...fields }, req));
}

const sessionCookie = (r: CheckResult) => (r.headers['set-cookie'] ?? '').startsWith(`${SESSION}=`) ? r.headers['set-cookie']!.split(';')[0]! : undefined;

function refused(r: CheckResult, what: string, code?: string): void {
  assert.equal(r.allowed, false, what);
  assert.notEqual(r.code, 'SAML_SIGNED_IN', `${what}: signed in`);
  assert.equal(sessionCookie(r), undefined, `${what}: a session cookie was set`);
  if (code !== undefined) assert.equal(r.code, code, `${what}: ${r.code}`);
  else assert.match(r.code, /^ERR_SAML_/, what);
}

// ---- XML surgery on what the test IdP signs ----

const ASSERTION = /<saml:Assertion[\s\S]*<\/saml:Assertion>/;
const SIGNATURE = /<Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#">[\s\S]*?<\/Signature>/;
const assertionIn = (xml: string) => ASSERTION.exec(xml)![0];
const signatureIn = (xml: string) => SIGNATURE.exec(xml)![0];
const unsigned = (xml: string) => xml.replace(SIGNATURE, '');
const idOf = (xml: string) => /ID="([^"]+)"/.exec(xml)![1]!;
/** The assertion with the victim's name: the bytes the signature covered, changed. */
const evil = (assertion: string) => assertion.replace(/alice@example\.com<\/saml:NameID>/, 'admin@example.com</saml:NameID>');
const withId = (assertion: string, id: string) => assertion.replace(/ID="[^"]+"/, `ID="${id}"`);

/** Signs the assertion of a response built unsigned after `edit` changed its XML (the IdP signed the edited form). */
function signedWith(o: ResponseOptions, edit: (assertion: string) => string, signer: (assertion: string, id: string) => string = (a, id) => signElement(a, id, 'Assertion', keys.key, keys.cert)): string {
  const built = buildResponse(keys, { ...o, sign: 'none' });
  const a = assertionIn(built.xml);
  const id = idOf(a);
  return built.xml.replace(a, () => signer(edit(a), id));
}

before(() => { keys = makeIdpKeys(); rogue = makeIdpKeys('rogue'); });

describe('SAML attacks: XML signature wrapping (XSW1–XSW8)', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile)); });
  after(async () => { await h.close(); });

  it('the untouched response signs in (the control for every variant below)', async () => {
    const r = await post(h, (id) => buildResponse(keys, base({ inResponseTo: id })).base64);
    assert.equal(r.code, 'SAML_SIGNED_IN');
  });

  // Response-level wrapping: the response is signed as well as the assertion, the attacker's copy of the
  // response becomes the root and the signed original hides inside it.
  const xsw: Array<[string, (good: string) => string]> = [
    ['XSW1: evil response as root, the signed original inside its Signature/Object', (good) => {
      const respSig = signatureIn(good.replace(ASSERTION, ''));
      const evilResp = good.replace(respSig, '').replace(/ID="_[0-9a-f]+"/, `ID="${newId()}"`).replace(ASSERTION, () => evil(unsigned(withId(assertionIn(good), newId()))));
      return evilResp.replace('</saml:Issuer>', `</saml:Issuer>${respSig.replace('</Signature>', `<Object>${good}</Object></Signature>`)}`);
    }],
    ['XSW2: evil response as root, the signed original detached next to the Signature', (good) => {
      const respSig = signatureIn(good.replace(ASSERTION, ''));
      const evilResp = good.replace(respSig, '').replace(/ID="_[0-9a-f]+"/, `ID="${newId()}"`).replace(ASSERTION, () => evil(unsigned(withId(assertionIn(good), newId()))));
      return evilResp.replace('</saml:Issuer>', `</saml:Issuer>${good}${respSig}`);
    }],
    // Assertion-level wrapping
    ['XSW3: an unsigned evil assertion before the signed one', (good) => {
      const a = assertionIn(good);
      return good.replace(a, () => evil(unsigned(withId(a, newId()))) + a);
    }],
    ['XSW4: the signed assertion nested inside an unsigned evil one', (good) => {
      const a = assertionIn(good);
      return good.replace(a, () => evil(unsigned(withId(a, newId()))).replace('</saml:Subject>', `</saml:Subject>${a}`));
    }],
    ['XSW5: the signature kept in the changed assertion, an unsigned copy of the original appended', (good) => {
      const a = assertionIn(good);
      return good.replace(a, () => evil(a)).replace('</samlp:Response>', `${unsigned(a)}</samlp:Response>`);
    }],
    ['XSW6: the changed assertion keeps the signature, the original hides in Signature/Object', (good) => {
      const a = assertionIn(good);
      const sig = signatureIn(a);
      return good.replace(a, () => evil(a).replace(sig, sig.replace('</Signature>', `<Object>${a}</Object></Signature>`)));
    }],
    ['XSW7: the signed assertion inside an Extensions element, an unsigned evil one where it was', (good) => {
      const a = assertionIn(good);
      return good.replace(a, () => `<samlp:Extensions>${a}</samlp:Extensions>${evil(unsigned(withId(a, newId())))}`);
    }],
    ['XSW8: the changed assertion keeps the signature, the unsigned original inside Signature/Object', (good) => {
      const a = assertionIn(good);
      const sig = signatureIn(a);
      return good.replace(a, () => evil(a).replace(sig, sig.replace('</Signature>', `<Object>${unsigned(a)}</Object></Signature>`)));
    }],
    ['signature exclusion: every Signature element removed', (good) => good.replace(new RegExp(SIGNATURE.source, 'g'), '')],
    ['the signed assertion\'s ID also on another element (Status)', (good) => good.replace('<samlp:Status>', `<samlp:Status ID="${idOf(assertionIn(good))}">`)],
    ['the signed assertion\'s ID also as Id= on an unsigned evil assertion', (good) => {
      const a = assertionIn(good);
      return good.replace(a, () => a + evil(unsigned(withId(a, newId()))).replace('<saml:Assertion ', `<saml:Assertion Id="${idOf(a)}" `));
    }],
    ['an unsigned evil assertion of another namespace (local-name matching)', (good) => {
      const a = assertionIn(good);
      return good.replace(a, () => a + evil(unsigned(withId(a, newId()))).replace(/saml:/g, 'x:').replace('xmlns:x="urn:oasis:names:tc:SAML:2.0:assertion"', 'xmlns:x="urn:evil"'));
    }],
  ];
  for (const [name, wrap] of xsw) {
    it(`refuses ${name}`, async () => {
      const r = await post(h, (id) => b64(wrap(buildResponse(keys, base({ inResponseTo: id, sign: 'both' })).xml)));
      refused(r, name);
    });
  }
});

describe('SAML attacks: signatures and keys', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile)); });
  after(async () => { await h.close(); });

  const rsaSigner = (key: string, cert: string, sigAlg = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', digest = 'http://www.w3.org/2001/04/xmlenc#sha256') => (a: string, id: string) => {
    const sig = new SignedXml({ privateKey: key, publicCert: cert, signatureAlgorithm: sigAlg, canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
    sig.addReference({ xpath: `//*[@ID='${id}']`, transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: digest });
    sig.computeSignature(a, { location: { reference: "//*[local-name(.)='Issuer']", action: 'after' } });
    return sig.getSignedXml();
  };
  const certB64 = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

  it('ignores KeyInfo: the attacker\'s own certificate in KeyInfo does not make their signature trusted', async () => {
    const r = await post(h, (id) => {
      const xml = signedWith(base({ inResponseTo: id }), (a) => a, rsaSigner(rogue.key, rogue.cert));
      assert.ok(xml.includes(certB64(rogue.cert)), 'the rogue certificate travels in KeyInfo');
      return b64(xml);
    });
    refused(r, 'rogue KeyInfo', 'ERR_SAML_SIGNATURE');
  });

  it('refuses the trusted certificate in KeyInfo over a signature made with another key', async () => {
    const r = await post(h, (id) => {
      const xml = signedWith(base({ inResponseTo: id }), (a) => a, rsaSigner(rogue.key, keys.cert));
      assert.ok(xml.includes(certB64(keys.cert)));
      return b64(xml);
    });
    refused(r, 'trusted cert, rogue key', 'ERR_SAML_SIGNATURE');
  });

  it('refuses HMAC with the IdP certificate as the shared key (key confusion)', async () => {
    const r = await post(h, (id) => b64(signedWith(base({ inResponseTo: id }), (a) => a, (a, aid) => {
      const sig = new SignedXml({ privateKey: keys.cert, signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
      sig.enableHMAC();
      sig.addReference({ xpath: `//*[@ID='${aid}']`, transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' });
      sig.computeSignature(a, { location: { reference: "//*[local-name(.)='Issuer']", action: 'after' } });
      const out = sig.getSignedXml();
      assert.match(out, /hmac-sha1/);
      return out;
    })));
    refused(r, 'HMAC', 'ERR_SAML_SIGNATURE');
  });

  it('refuses a Reference with an empty URI (the whole document) in place of the assertion\'s ID', async () => {
    const r = await post(h, (id) => b64(signedWith(base({ inResponseTo: id }), (a) => a, (a) => {
      const sig = new SignedXml({ privateKey: keys.key, publicCert: keys.cert, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
      sig.addReference({ xpath: '/*', isEmptyUri: true, transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
      sig.computeSignature(a, { location: { reference: "//*[local-name(.)='Issuer']", action: 'after' } });
      const out = sig.getSignedXml();
      assert.match(out, /<Reference URI="">/);
      return out;
    })));
    refused(r, 'empty URI');
  });

  it('refuses RSA-SHA1 signatures and SHA-1 digests (collisions are practical) unless allow_sha1 is set', async () => {
    const sha1 = (id: string) => b64(signedWith(base({ inResponseTo: id }), (a) => a, rsaSigner(keys.key, keys.cert, 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', 'http://www.w3.org/2000/09/xmldsig#sha1')));
    const sha1Digest = (id: string) => b64(signedWith(base({ inResponseTo: id }), (a) => a, rsaSigner(keys.key, keys.cert, undefined, 'http://www.w3.org/2000/09/xmldsig#sha1')));
    refused(await post(h, sha1), 'rsa-sha1', 'ERR_SAML_SIGNATURE');
    refused(await post(h, sha1Digest), 'sha1 digest', 'ERR_SAML_SIGNATURE');
    const legacy = await runtimeFor(samlConfig(keys.certFile, { extra: '    allow_sha1: true' }));
    try {
      assert.equal((await post(legacy, sha1)).code, 'SAML_SIGNED_IN', 'opted in for a legacy IdP');
    } finally { await legacy.close(); }
  });

  it('refuses an EncryptedAssertion when no decryption key is configured', async () => {
    const r = await post(h, (id) => {
      const good = buildResponse(keys, base({ inResponseTo: id })).xml;
      return b64(good.replace(ASSERTION, '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>'));
    });
    refused(r, 'EncryptedAssertion');
  });
});

describe('SAML attacks: text tricks (comments, CDATA) in signed values', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile)); });
  after(async () => { await h.close(); });

  /** The IdP signed `signedValue`; the attacker then splits it with a comment / CDATA (exc-c14n: still valid). */
  const split = (o: Partial<ResponseOptions>, signedValue: string, at: number, how: 'comment' | 'cdata') => (id: string) => {
    const xml = buildResponse(keys, base({ inResponseTo: id, ...o })).xml;
    const cut = how === 'comment' ? `${signedValue.slice(0, at)}<!---->${signedValue.slice(at)}` : `${signedValue.slice(0, at)}<![CDATA[${signedValue.slice(at)}]]>`;
    const out = xml.replace(`>${signedValue}<`, `>${cut}<`);
    assert.notEqual(out, xml);
    return b64(out);
  };

  for (const how of ['comment', 'cdata'] as const) {
    it(`reads a NameID split by a ${how} after signing as the whole signed text`, async () => {
      const r = await post(h, split({ nameId: 'alice@example.com.evil.test' }, 'alice@example.com.evil.test', 17, how));
      assert.equal(r.code, 'SAML_SIGNED_IN', 'the signature still covers the value');
      const ok = await h.send({ path: '/x', headers: { cookie: sessionCookie(r)! } });
      assert.equal(ok.upstream['x-user'], 'alice@example.com.evil.test');
    });

    it(`refuses an Issuer split by a ${how}: the signed issuer is not the IdP's, whatever comes before the ${how}`, async () => {
      refused(await post(h, split({ issuer: `${IDP}.evil` }, `${IDP}.evil`, IDP.length, how)), `issuer ${how}`, 'ERR_SAML_ISSUER');
    });

    it(`refuses an Audience split by a ${how}`, async () => {
      refused(await post(h, split({ audience: `${SP}.evil` }, `${SP}.evil`, SP.length, how)), `audience ${how}`, 'ERR_SAML_AUDIENCE');
    });
  }

  it('refuses an empty or whitespace-only NameID', async () => {
    for (const nameId of ['', '   ']) {
      refused(await post(h, (id) => buildResponse(keys, base({ inResponseTo: id, nameId })).base64), JSON.stringify(nameId), 'ERR_SAML_MALFORMED');
    }
  });
});

describe('SAML attacks: addressing and conditions', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile)); });
  after(async () => { await h.close(); });

  const signed = (o: Partial<ResponseOptions>, edit: (a: string) => string = (a) => a) => (id: string) => b64(signedWith(base({ inResponseTo: id, ...o }), edit));

  it('refuses Recipient variants of the ACS URL (trailing slash, case, whitespace, relative, query)', async () => {
    for (const recipient of [`${ACS}/`, ACS.toUpperCase(), 'https://APP.test/saml/acs', ` ${ACS}`, `${ACS} `, '/saml/acs', `${ACS}?x=1`, 'https://app.test/saml/ACS']) {
      refused(await post(h, signed({ recipient })), recipient, 'ERR_SAML_RECIPIENT');
    }
  });

  it('refuses a relative Destination, also under xml:base', async () => {
    refused(await post(h, (id) => b64(buildResponse(keys, base({ inResponseTo: id, destination: '/saml/acs' })).xml)), 'relative', 'ERR_SAML_RECIPIENT');
    refused(await post(h, (id) => b64(buildResponse(keys, base({ inResponseTo: id, destination: 'saml/acs' })).xml.replace('<samlp:Response ', '<samlp:Response xml:base="https://app.test/" '))), 'xml:base', 'ERR_SAML_RECIPIENT');
  });

  it('refuses an assertion without Conditions (no audience to check)', async () => {
    refused(await post(h, signed({}, (a) => a.replace(/<saml:Conditions[\s\S]*<\/saml:Conditions>/, ''))), 'no Conditions');
  });

  it('refuses Conditions without an AudienceRestriction', async () => {
    refused(await post(h, signed({}, (a) => a.replace(/<saml:AudienceRestriction>[\s\S]*<\/saml:AudienceRestriction>/, ''))), 'no AudienceRestriction', 'ERR_SAML_AUDIENCE');
  });

  it('refuses two AudienceRestrictions when one names another SP (each restriction must hold)', async () => {
    refused(await post(h, signed({}, (a) => a.replace('</saml:AudienceRestriction>', '</saml:AudienceRestriction><saml:AudienceRestriction><saml:Audience>https://other-sp.test</saml:Audience></saml:AudienceRestriction>'))), 'two restrictions', 'ERR_SAML_AUDIENCE');
  });

  it('refuses a bearer confirmation for this ACS that has expired, next to a current one for another SP', async () => {
    const past = new Date(Date.now() - 600_000).toISOString();
    refused(await post(h, signed({ recipient: 'https://other-sp.test/acs' }, (a) => a.replace('</saml:SubjectConfirmation>',
      `</saml:SubjectConfirmation><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${past}" Recipient="${ACS}"/></saml:SubjectConfirmation>`))), 'expired confirmation for us', 'ERR_SAML_RECIPIENT');
  });

  it('refuses a bearer confirmation for this ACS without NotOnOrAfter (it would never expire)', async () => {
    refused(await post(h, signed({}, (a) => a.replace(/(<saml:SubjectConfirmationData) NotOnOrAfter="[^"]+"/, '$1'))), 'no NotOnOrAfter');
  });

  it('refuses a holder-of-key confirmation for this ACS (only bearer is the Web SSO profile)', async () => {
    refused(await post(h, signed({}, (a) => a.replace('urn:oasis:names:tc:SAML:2.0:cm:bearer', 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key'))), 'holder-of-key', 'ERR_SAML_RECIPIENT');
  });

  it('refuses two Subjects (schema allows one; which one is the user?)', async () => {
    refused(await post(h, signed({}, (a) => a.replace('<saml:Conditions', '<saml:Subject><saml:NameID>admin@example.com</saml:NameID></saml:Subject><saml:Conditions'))), 'two Subjects', 'ERR_SAML_MALFORMED');
    refused(await post(h, signed({}, (a) => {
      const s = /<saml:Subject>[\s\S]*<\/saml:Subject>/.exec(a)![0];
      return a.replace(s, s.replace('alice@', 'admin@') + s);
    })), 'two Subjects, evil first', 'ERR_SAML_MALFORMED');
  });

  it('refuses two NameIDs in the Subject', async () => {
    refused(await post(h, signed({}, (a) => a.replace('<saml:SubjectConfirmation ', '<saml:NameID>admin@example.com</saml:NameID><saml:SubjectConfirmation '))), 'two NameIDs', 'ERR_SAML_MALFORMED');
  });
});

describe('SAML attacks: IdP-initiated sign-in allowed', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile, { extra: '    allow_idp_initiated: true' })); });
  after(async () => { await h.close(); });

  it('an answer to a request cannot pass as unsolicited by dropping the Response\'s (unsigned) InResponseTo', async () => {
    const attacker = await startLogin(h);
    const answer = buildResponse(keys, base({ inResponseTo: attacker.id, nameId: 'mallory@example.com' })).xml;
    const stripped = answer.replace(/(<samlp:Response [^>]*?) InResponseTo="[^"]+"/, '$1');
    assert.notEqual(stripped, answer);
    // posted from the victim's browser, which has no pending sign-in (login CSRF)
    refused(await h.send(form({ SAMLResponse: b64(stripped) })), 'stripped InResponseTo');
  });
});

describe('SAML attacks: DOCTYPE / entities', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile)); });
  after(async () => { await h.close(); });

  const laughs = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>';
  const xxe = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>';

  it('refuses DOCTYPEs however they are dressed (BOM, lowercase, UTF-16, after the root, in a comment), and bare entity references', async () => {
    const variants: Array<[string, (good: string) => Buffer]> = [
      ['billion laughs', (g) => Buffer.from(laughs + g.replace('alice@example.com</saml:NameID>', '&c;</saml:NameID>'))],
      ['external entity', (g) => Buffer.from(xxe + g.replace('alice@example.com</saml:NameID>', '&x;</saml:NameID>'))],
      ['UTF-8 BOM', (g) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xxe + g)])],
      ['lowercase', (g) => Buffer.from(xxe.replace('DOCTYPE', 'doctype') + g)],
      ['XML declaration first', (g) => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${xxe}${g}`)],
      ['UTF-16LE with BOM', (g) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>${xxe}${g}`, 'utf16le')])],
      ['UTF-16LE, benign', (g) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>${g}`, 'utf16le')])],
      ['after the root', (g) => Buffer.from(g + xxe)],
      ['inside a comment', (g) => Buffer.from(`<!-- ${xxe} -->${g}`)],
      ['an undeclared entity', (g) => Buffer.from(g.replace('alice@example.com</saml:NameID>', '&x;</saml:NameID>'))],
    ];
    for (const [what, make] of variants) {
      const r = await post(h, (id) => make(buildResponse(keys, base({ inResponseTo: id })).xml).toString('base64'));
      refused(r, what);
    }
  });
});

describe('SAML attacks: the SP endpoints', () => {
  let h: Harness;
  before(async () => {
    h = await runtimeFor(samlConfig(keys.certFile, { extra: '  mtls: { allow: [ { san_dns: client.test } ] }', routes: `  - name: public
    match: { path: { prefix: /public } }
    identity: { accept: [mtls], allow_anonymous: true }
  - name: app
    match: { path: { prefix: / } }
    identity: { accept: [saml] }` }));
  });
  after(async () => { await h.close(); });

  const good = (id: string) => buildResponse(keys, base({ inResponseTo: id })).base64;

  it('RelayState never sends the browser off-site, whatever its encoding (the browser resolves Location)', async () => {
    const relays = ['//evil.test', '/\t/evil.test', '/%2F%2Fevil.test', '/%09/evil.test', '%2F%2Fevil.test', '/\\evil.test', '\\\\evil.test', '\\/evil.test',
      '/\\/evil.test', ' //evil.test', '/ /evil.test', '/\n/evil.test', '/\r/evil.test', '/x/..\\..\\/evil.test', 'https:evil.test', 'https:/evil.test',
      '/\u0000/evil.test', '/\u007f/evil.test', 'javascript:alert(1)', '/%5C%5Cevil.test', '/.//evil.test', '/%E3%80%82/evil.test'];
    for (const relay of relays) {
      for (const field of [relay, encodeURIComponent(relay)]) {
        const r = await post(h, good, { RelayState: field });
        assert.equal(r.code, 'SAML_SIGNED_IN', relay);
        const loc = r.headers.location!;
        assert.equal(new URL(loc, 'https://app.test/somewhere/').origin, 'https://app.test', `${JSON.stringify(relay)} → ${JSON.stringify(loc)}`);
        assert.ok(!/[\x00-\x1f\x7f]/.test(loc), `control characters in Location: ${JSON.stringify(loc)}`);
      }
    }
  });

  it('the login redirect never carries an off-site RelayState either', async () => {
    for (const path of ['//evil.test/x', '/\\evil.test/x', '//evil.test']) {
      const { relay } = await startLogin(h, path);
      assert.equal(relay, '/', path);
    }
  });

  it('answers the ACS only at its exact path: variants are ordinary requests that need a session', async () => {
    for (const path of ['/saml/acs/', '/saml/ACS', '/saml/acs;x', '/saml/%61cs', '//saml/acs', '/saml/acs%2F', '/SAML/acs', '/saml/./acs']) {
      const { id, req } = await startLogin(h);
      const r = await h.send(form({ SAMLResponse: good(id) }, req, path));
      assert.equal(r.allowed, false, path);
      assert.equal(r.status, 401, path);
      assert.equal(sessionCookie(r), undefined, path);
    }
    const q = await post(h, good, {});
    assert.equal(q.code, 'SAML_SIGNED_IN');
    const { id, req } = await startLogin(h);
    const withQuery = await h.send(form({ SAMLResponse: good(id) }, req, '/saml/acs?x=1'));
    assert.equal(withQuery.code, 'SAML_SIGNED_IN', 'a query string does not hide the ACS');
  });

  it('does not accept the SAML session on a route that does not accept saml', async () => {
    const r = await post(h, good);
    const cookie = sessionCookie(r)!;
    assert.equal((await h.send({ path: '/app', headers: { cookie } })).allowed, true);
    const pub = await h.send({ path: '/public/x', headers: { cookie } });
    assert.equal(pub.allowed, true);
    assert.equal(pub.upstream['x-user'], undefined, 'anonymous there: the session is not an identity on this route');
    assert.equal(pub.upstream['x-portcullis-auth-kind'], 'anonymous');
  });

  it('a pending sign-in cannot be planted by a sibling subdomain (cookie tossing → login CSRF): the request cookie is __Host-', async () => {
    // a sibling (evil.app.test) can set a __Secure- cookie for the parent domain: the attacker's own
    // pending request, then the attacker's signed answer posted from the victim's browser
    const attacker = await startLogin(h);
    const planted = `__Secure-portcullis_saml_request=${attacker.id}`;
    const victim = await startLogin(h);
    for (const cookie of [planted, `${planted}; ${victim.req}`]) {
      const resp = buildResponse(keys, base({ inResponseTo: attacker.id, nameId: 'mallory@example.com' })).base64;
      refused(await h.send(form({ SAMLResponse: resp }, cookie)), cookie, 'ERR_SAML_IN_RESPONSE_TO');
    }
    const sc = victim.r.headers['set-cookie']!;
    assert.ok(sc.startsWith(`${REQUEST_COOKIE}=`), sc);
    assert.match(sc, /; Path=\/(;|$)/);
    assert.match(sc, /; Secure(;|$)/);
    assert.doesNotMatch(sc, /Domain=/i);
  });

  it('a response is bound to one browser: it cannot be posted again from another with its own pending sign-in', async () => {
    const a = await startLogin(h);
    const resp = buildResponse(keys, base({ inResponseTo: a.id })).base64;
    const first = await h.send(form({ SAMLResponse: resp }, a.req));
    assert.equal(first.code, 'SAML_SIGNED_IN');
    const b = await startLogin(h);
    refused(await h.send(form({ SAMLResponse: resp }, `${REQUEST_COOKIE}=${b.id}.${a.id}`)), 'replayed into another browser');
  });
});

describe('SAML attacks: the session cookie', () => {
  let h: Harness;
  before(async () => { h = await runtimeFor(samlConfig(keys.certFile)); });
  after(async () => { await h.close(); });

  const admin = async (method: string, path: string, body: unknown): Promise<number> => {
    const routes: AdminRoute[] = h.rt.modules.get('identity')!.adminRoutes!();
    const route = routes.find((r) => r.method === method && r.path === path)!;
    let status = 0;
    const res: any = { writeHead(s: number) { status = s; return res; }, end() { /* body unused */ } };
    await route.handle({} as any, res, Buffer.from(JSON.stringify(body)));
    return status;
  };
  const sealer = new SessionSealer([SECRET], SESSION);
  const claims = (o: Partial<Parameters<SessionSealer['seal']>[0]> = {}) => ({ sid: newId(), sub: 'alice@example.com', iss: IDP, iat: Date.now(), exp: Date.now() + 60_000, roles: [], attrs: {}, ...o });

  it('refuses an expired session, a session sealed for another cookie name, and a foreign secret', async () => {
    const cases: Array<[string, string, string]> = [
      ['expired', sealer.seal(claims({ exp: Date.now() - 1 })), 'ERR_SAML_SESSION_EXPIRED'],
      ['another cookie name', new SessionSealer([SECRET], 'portcullis_session').seal(claims()), 'ERR_SAML_SESSION_INVALID'],
      ['another secret', new SessionSealer(['t'.repeat(40)], SESSION).seal(claims()), 'ERR_SAML_SESSION_INVALID'],
    ];
    for (const [what, value, code] of cases) {
      const r = await h.send({ path: '/x', headers: { cookie: `${SESSION}=${value}`, ...json } });
      assert.equal(r.code, code, what);
    }
    assert.equal((await h.send({ path: '/x', headers: { cookie: `${SESSION}=${sealer.seal(claims())}` } })).allowed, true, 'the control');
  });

  it('a session issued before a subject revocation fails; one issued after works', async () => {
    // IssueInstant has whole seconds: the session is from 30 s ago, the cut-off 15 s ago
    const { id, req } = await startLogin(h);
    const old = signedWith(base({ inResponseTo: id, nameId: 'carol@example.com' }), (a) => a.replace(/IssueInstant="[^"]+"/, `IssueInstant="${new Date(Date.now() - 30_000).toISOString()}"`));
    const r = await h.send(form({ SAMLResponse: b64(old) }, req));
    const cookie = sessionCookie(r)!;
    assert.equal((await h.send({ path: '/x', headers: { cookie } })).allowed, true);
    assert.equal(await admin('POST', '/admin/revoke', { subject: 'carol@example.com', issuer: IDP, before: new Date(Date.now() - 15_000).toISOString() }), 200);
    assert.equal((await h.send({ path: '/x', headers: { cookie, ...json } })).code, 'ERR_TOKEN_REVOKED');
    const again = await startLogin(h);
    const fresh = await h.send(form({ SAMLResponse: buildResponse(keys, base({ inResponseTo: again.id, nameId: 'carol@example.com' })).base64 }, again.req));
    assert.equal((await h.send({ path: '/x', headers: { cookie: sessionCookie(fresh)! } })).allowed, true, 'signing in again after the revocation works');
  });

  it('an assertion issued before a subject revocation and posted after it does not yield a working session', async () => {
    const { id, req } = await startLogin(h);
    // captured before the revocation (IssueInstant 20 s ago, still within its validity window)
    const stolen = signedWith(base({ inResponseTo: id, nameId: 'dave@example.com' }), (a) => a.replace(/IssueInstant="[^"]+"/, `IssueInstant="${new Date(Date.now() - 20_000).toISOString()}"`));
    assert.equal(await admin('POST', '/admin/revoke', { subject: 'dave@example.com', issuer: IDP, before: new Date(Date.now() - 10_000).toISOString() }), 200);
    const r = await h.send(form({ SAMLResponse: b64(stolen) }, req));
    const cookie = sessionCookie(r);
    if (cookie !== undefined) {
      const use = await h.send({ path: '/x', headers: { cookie, ...json } });
      assert.equal(use.code, 'ERR_TOKEN_REVOKED', 'the session must not outlive the revocation of the assertion it came from');
    } else {
      assert.equal(r.allowed, false);
    }
  });

  it('logout revokes the session even when replayed right after, and a logout without a session is harmless', async () => {
    const r = await post(h, (id) => buildResponse(keys, base({ inResponseTo: id })).base64);
    const cookie = sessionCookie(r)!;
    for (const method of ['GET', 'POST']) {
      const out = await h.send({ method, path: '/saml/logout', headers: { cookie } });
      assert.equal(out.status, 303);
    }
    assert.equal((await h.send({ path: '/x', headers: { cookie, ...json } })).code, 'ERR_TOKEN_REVOKED');
    const none = await h.send({ method: 'POST', path: '/saml/logout' });
    assert.equal(none.status, 303);
  });
});

describe('SAML attacks: sizes, forwarded headers and logs', () => {
  let h: Harness;
  const lines: string[] = [];
  before(async () => {
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const logger = createLogger('info', sink);
    const store = new MemoryStore();
    const rt = await buildRuntime(parseConfig(samlConfig(keys.certFile), `${process.cwd()}/portcullis.yaml`), store, logger);
    for (const m of rt.modules.values()) await m.start?.();
    h = { rt, store, send: (r) => sendTo(rt, r), async close() { await closeRuntime(rt); await store.close(); } };
  });
  after(async () => { await h.close(); });

  it('attribute values with CR/LF or NUL never become (or split) forwarded headers', async () => {
    const r = await post(h, (id) => b64(signedWith(base({ inResponseTo: id }), (a) => a.replace('>alice@example.com</saml:AttributeValue>', '>alice@example.com&#13;&#10;X-Admin: 1</saml:AttributeValue>'))));
    assert.equal(r.code, 'SAML_SIGNED_IN');
    const ok = await h.send({ path: '/x', headers: { cookie: sessionCookie(r)! } });
    assert.equal(ok.allowed, true);
    assert.equal(ok.upstream['x-email'], undefined);
    assert.equal(ok.upstream['x-admin'], undefined);
    for (const [k, v] of Object.entries(ok.upstream)) assert.ok(!/[\r\n\0]/.test(k + v), k);
  });

  it('a response with thousands of attributes or huge values is refused without a cookie, and signs in nobody', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 600; i++) many[`a${i}`] = `v${i}`;
    for (const attributes of [many, { email: 'x'.repeat(100_000) }]) {
      const r = await post(h, (id) => buildResponse(keys, base({ inResponseTo: id, attributes })).base64);
      assert.equal(r.allowed, false);
      assert.equal(r.status, 500);
      assert.equal(r.code, 'ERR_SAML_SESSION_TOO_LARGE');
      assert.equal(r.headers['set-cookie'], undefined);
      assert.ok(JSON.stringify(r.body).length < 300);
    }
  });

  it('a signed response wrapped in thousands of extra (unsigned) elements is refused before the XML-DSig library sees it', async () => {
    // node-saml's XPath library costs the square of the element count: 45,000 of these (within the 256 KiB cap)
    // took over a minute of CPU; 5,000 in 25 KiB still took about a second and signed in
    const filler = `<samlp:Extensions>${'<a/>'.repeat(5000)}</samlp:Extensions>`;
    const r = await post(h, (id) => b64(buildResponse(keys, base({ inResponseTo: id })).xml.replace('<samlp:Status>', () => `${filler}<samlp:Status>`)));
    refused(r, 'element flood', 'ERR_SAML_MALFORMED');
    // a large genuine response (700 attribute values, about 1,500 elements) is still read
    const values = Array.from({ length: 700 }, (_, i) => `group-${i}`);
    const big = await post(h, (id) => buildResponse(keys, base({ inResponseTo: id, attributes: { email: 'alice@example.com', groups: values } })).base64);
    assert.equal(big.code, 'ERR_SAML_SESSION_TOO_LARGE', 'the response was read (and its session was too large for a cookie)');
  });

  it('an oversized SAMLResponse is refused before it is decoded', async () => {
    const r = await post(h, () => 'A'.repeat(300 * 1024));
    refused(r, 'oversized', 'ERR_SAML_MALFORMED');
  });

  it('log lines and deny bodies carry no SAMLResponse, no attacker megabytes, no cookie values, no secret', async () => {
    lines.length = 0;
    const marker = 'Z'.repeat(150_000);
    const statusXml = (id: string) => b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${ACS}" InResponseTo="${id}"><saml:Issuer>${IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"/><samlp:StatusMessage>${marker}</samlp:StatusMessage></samlp:Status></samlp:Response>`);
    const audience = (id: string) => buildResponse(keys, base({ inResponseTo: id, audience: marker })).base64;
    const destination = (id: string) => buildResponse(keys, base({ inResponseTo: id, destination: `https://${marker}` })).base64;
    const bodies: string[] = [];
    for (const make of [statusXml, audience, destination]) {
      const r = await post(h, make);
      refused(r, 'marker');
      bodies.push(JSON.stringify(r.body));
    }
    const signedIn = await post(h, (id) => buildResponse(keys, base({ inResponseTo: id })).base64);
    const cookieValue = sessionCookie(signedIn)!.split('=')[1]!;
    await h.send({ method: 'POST', path: '/saml/logout', headers: { cookie: sessionCookie(signedIn)! } });
    const all = lines.join('\n') + bodies.join('\n');
    assert.ok(lines.some((l) => l.includes('SAML response refused')), 'refusals are logged');
    for (const l of lines) assert.ok(l.length < 2048, `a log line of ${l.length} bytes: ${l.slice(0, 200)}`);
    assert.ok(!all.includes('Z'.repeat(1000)), 'attacker text is capped');
    assert.ok(!all.includes(cookieValue), 'a session cookie value reached a log line');
    assert.ok(!all.includes(SECRET), 'the session secret reached a log line');
    assert.ok(!all.includes('PHNhbWxwOlJlc3BvbnNl'), 'a SAMLResponse reached a log line');
  });
});

async function sendTo(rt: Harness['rt'], r: Req): Promise<CheckResult> {
  return resultOf(await check(rt, checkRequest(r), silent));
}
