/** What the SP's metadata says about it. */
export interface SpMetadata {
  entityId: string;
  acsUrl: string;
  wantAssertionsSigned: boolean;
  nameIdFormat?: string;
  /** PEM of the certificate our requests are signed with: published as the signing KeyDescriptor, AuthnRequestsSigned="true" */
  signingCertificate?: string;
  /** our SingleLogoutService (HTTP-Redirect binding), when single logout is on */
  sloUrl?: string;
}

const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** SAML 2.0 metadata for this SP: an EntityDescriptor with one SPSSODescriptor, elements in schema order. */
export function spMetadataXml(m: SpMetadata): string {
  const lines = [
    '<?xml version="1.0"?>',
    `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(m.entityId)}">`,
    `  <SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="${m.signingCertificate !== undefined}" WantAssertionsSigned="${m.wantAssertionsSigned}">`,
  ];
  if (m.signingCertificate !== undefined) {
    const b64 = m.signingCertificate.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    lines.push(`    <KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>`);
  }
  if (m.sloUrl !== undefined) lines.push(`    <SingleLogoutService Binding="${REDIRECT}" Location="${esc(m.sloUrl)}"/>`);
  if (m.nameIdFormat !== undefined) lines.push(`    <NameIDFormat>${esc(m.nameIdFormat)}</NameIDFormat>`);
  lines.push(`    <AssertionConsumerService index="1" isDefault="true" Binding="${POST}" Location="${esc(m.acsUrl)}"/>`,
    '  </SPSSODescriptor>', '</EntityDescriptor>', '');
  return lines.join('\n');
}
