import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { parseIdpMetadata } from '../../../src/identity/saml-metadata.js';
import { idpMetadata, makeIdpKeys, type TestIdpKeys } from './saml-idp.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

let a: TestIdpKeys;
let b: TestIdpKeys;
before(() => { a = makeIdpKeys('idp-a'); b = makeIdpKeys('idp-b'); });

const b64Of = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

interface Entity { id: string; sso?: Array<[binding: string, location: string]>; keys?: Array<[use: string | undefined, b64: string]>; sp?: boolean }

/** An EntityDescriptor (IdP, or SP when `sp`), KeyDescriptors before SingleSignOnService as the schema orders them. */
function entity(e: Entity): string {
  const keys = (e.keys ?? []).map(([use, v]) => `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n${v.match(/.{1,64}/g)!.join('\n')}\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`).join('');
  if (e.sp) return `<md:EntityDescriptor entityID="${e.id}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}</md:SPSSODescriptor></md:EntityDescriptor>`;
  const sso = (e.sso ?? [[REDIRECT, `${e.id}/sso`]]).map(([bd, l]) => `<md:SingleSignOnService Binding="${bd}" Location="${l}"/>`).join('');
  return `<md:EntityDescriptor entityID="${e.id}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}${sso}</md:IDPSSODescriptor></md:EntityDescriptor>`;
}
const NS = `xmlns:md="${MD}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`;
const single = (e: Entity) => entity(e).replace('<md:EntityDescriptor ', `<md:EntityDescriptor ${NS} `);
const feed = (...es: Entity[]) => `<?xml version="1.0" encoding="UTF-8"?>\n<md:EntitiesDescriptor ${NS} Name="federation">${es.map(entity).join('')}</md:EntitiesDescriptor>`;
const error = (xml: string, entityId?: string): string => {
  try { parseIdpMetadata(xml, entityId); } catch (err) { return (err as Error).message; }
  assert.fail('expected the metadata to be refused');
};

describe('IdP metadata', () => {
  it('reads the HTTP-Redirect SingleLogoutService (Location, ResponseLocation) and WantAuthnRequestsSigned', () => {
    const d = parseIdpMetadata(idpMetadata('https://idp.test', 'https://idp.test/sso', a.cert, { wantSigned: true, sloUrl: 'https://idp.test/slo', sloResponseUrl: 'https://idp.test/slo/r' }));
    assert.deepEqual(d.slo, { url: 'https://idp.test/slo', responseUrl: 'https://idp.test/slo/r' });
    assert.equal(d.wantAuthnRequestsSigned, true);
    const plain = parseIdpMetadata(idpMetadata('https://idp.test', 'https://idp.test/sso', a.cert, { sloUrl: 'https://idp.test/slo' }));
    assert.deepEqual(plain.slo, { url: 'https://idp.test/slo', responseUrl: 'https://idp.test/slo' }, 'no ResponseLocation: responses go to Location');
    assert.equal(plain.wantAuthnRequestsSigned, undefined);
    const none = parseIdpMetadata(idpMetadata('https://idp.test', 'https://idp.test/sso', a.cert));
    assert.equal(none.slo, undefined, 'only the POST binding or none: no SLO');
  });

  it('refuses an HTTP-Redirect SingleLogoutService without an http(s) Location', () => {
    const xml = idpMetadata('https://idp.test', 'https://idp.test/sso', a.cert, { sloUrl: 'javascript:alert(1)' });
    assert.match(error(xml), /SingleLogoutService \(HTTP-Redirect\) has no http\(s\) Location/);
  });

  it('reads an EntityDescriptor: entity id, the HTTP-Redirect SSO location (not the POST one), the signing certificate', () => {
    const d = parseIdpMetadata(idpMetadata('https://idp.test/realms/demo', 'https://idp.test/sso', a.cert));
    assert.equal(d.entityId, 'https://idp.test/realms/demo');
    assert.equal(d.ssoUrl, 'https://idp.test/sso');
    assert.equal(d.certificates.length, 1);
  });

  it('gives certificates as PEM that node reads back as the same certificate', () => {
    const d = parseIdpMetadata(idpMetadata('https://idp.test', 'https://idp.test/sso', a.cert));
    const pem = d.certificates[0]!;
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n$/);
    const back = new X509Certificate(pem);
    assert.equal(back.fingerprint256, new X509Certificate(a.cert).fingerprint256);
    assert.match(back.subject, /CN=idp-a/);
  });

  it('keeps every signing certificate (key rollover) and a KeyDescriptor without use, skips encryption keys', () => {
    const d = parseIdpMetadata(single({ id: 'https://idp.test', keys: [['encryption', b64Of(b.cert)], ['signing', b64Of(a.cert)], [undefined, b64Of(b.cert)]] }));
    assert.deepEqual(d.certificates.map((p) => new X509Certificate(p).subject), ['CN=idp-a', 'CN=idp-b']);
  });

  describe('an EntitiesDescriptor (federation feed)', () => {
    const two = () => feed(
      { id: 'https://sp.test', sp: true, keys: [['signing', b64Of(b.cert)]] },
      { id: 'https://a.idp.test', keys: [['signing', b64Of(a.cert)]] },
      { id: 'https://b.idp.test', keys: [['signing', b64Of(b.cert)]] },
    );

    it('picks the IdP named by entity_id', () => {
      const d = parseIdpMetadata(two(), 'https://b.idp.test');
      assert.equal(d.entityId, 'https://b.idp.test');
      assert.equal(d.ssoUrl, 'https://b.idp.test/sso');
      assert.equal(new X509Certificate(d.certificates[0]!).subject, 'CN=idp-b');
    });

    it('asks for entity_id when several IdPs are described', () => {
      assert.equal(error(two()), 'metadata describes 2 IdPs: set idp.entity_id to pick one');
    });

    it('names the entity_id it did not find (an SP entity does not count)', () => {
      assert.equal(error(two(), 'https://c.idp.test'), 'metadata has no IdP with entityID "https://c.idp.test"');
      assert.equal(error(two(), 'https://sp.test'), 'metadata has no IdP with entityID "https://sp.test"');
    });

    it('takes the one IdP of a feed without entity_id', () => {
      const d = parseIdpMetadata(feed({ id: 'https://sp.test', sp: true }, { id: 'https://a.idp.test', keys: [['signing', b64Of(a.cert)]] }));
      assert.equal(d.entityId, 'https://a.idp.test');
    });
  });

  it('refuses an IdP without an HTTP-Redirect SingleSignOnService (or with a non-http Location)', () => {
    const keys: Entity['keys'] = [['signing', b64Of(a.cert)]];
    for (const sso of [[[POST, 'https://idp.test/sso']], [], [[REDIRECT, 'javascript:alert(1)']], [[REDIRECT, '']]] as Array<Entity['sso']>) {
      assert.match(error(single({ id: 'https://idp.test', keys, sso })), /no SingleSignOnService with the HTTP-Redirect binding/, JSON.stringify(sso));
    }
  });

  it('refuses an IdP without a signing certificate: none at all, or only use="encryption"', () => {
    for (const keys of [[], [['encryption', b64Of(a.cert)]]] as Array<Entity['keys']>) {
      assert.match(error(single({ id: 'https://idp.test', keys })), /no signing certificate/, JSON.stringify(keys?.map((k) => k[0])));
    }
  });

  it('refuses a DOCTYPE (entity expansion), whatever its case', () => {
    const good = idpMetadata('https://idp.test', 'https://idp.test/sso', a.cert);
    for (const dt of ['<!DOCTYPE md:EntityDescriptor>', '<!doctype x [<!ENTITY a "aaaaaaaa">]>']) {
      assert.equal(error(good.replace('<?xml version="1.0"?>\n', `<?xml version="1.0"?>\n${dt}\n`)), 'metadata contains a DOCTYPE, which is not allowed');
    }
  });

  it('refuses XML that does not parse', () => {
    for (const xml of ['', 'not xml at all', `<md:EntityDescriptor xmlns:md="${MD}" entityID="x"><oops`, `<md:EntityDescriptor xmlns:md="${MD}" entityID="x>`, '<a></a><b/>', `<md:EntityDescriptor xmlns:md="${MD}">&undefined;</md:EntityDescriptor>`]) {
      assert.match(error(xml), /^metadata is not well-formed XML/, xml);
    }
  });

  it('refuses a truncated file (end tags missing)', () => {
    const good = idpMetadata('https://idp.test', 'https://idp.test/sso', a.cert);
    for (const cut of ['</md:EntityDescriptor>', '</md:IDPSSODescriptor></md:EntityDescriptor>']) {
      assert.match(error(good.replace(cut, '')), /^metadata is not well-formed XML/, cut);
    }
  });

  it('refuses an X509Certificate that is base64 but not a certificate, naming it', () => {
    const xml = single({ id: 'https://idp.test', keys: [['signing', b64Of(a.cert)], ['signing', Buffer.from('not a certificate').toString('base64')]] });
    assert.equal(error(xml), 'IDPSSODescriptor KeyDescriptor X509Certificate #2 is not an X.509 certificate');
  });

  it('refuses a root that is not md:EntityDescriptor / md:EntitiesDescriptor (wrong name or namespace)', () => {
    for (const xml of ['<EntityDescriptor entityID="x"/>', '<md:EntityDescriptor xmlns:md="urn:example:other" entityID="x"/>', `<md:SPSSODescriptor xmlns:md="${MD}"/>`, '<html><body/></html>']) {
      assert.equal(error(xml), 'metadata root is not an md:EntityDescriptor or md:EntitiesDescriptor', xml);
    }
  });

  it('refuses an IdP EntityDescriptor without entityID', () => {
    assert.equal(error(single({ id: 'x', keys: [['signing', b64Of(a.cert)]] }).replace(' entityID="x"', '')), 'EntityDescriptor has no entityID');
  });
});
