/** The unspecified NameID format (SAML core §8.3.1); core §2.2.2 spells it with 1.0 (errata: 1.1), so both count. */
const UNSPECIFIED = new Set(['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified', 'urn:oasis:names:tc:SAML:1.0:nameid-format:unspecified']);

/**
 * Whether a NameID of `actual` Format answers an SP that asked for `wanted` (`name_id_format`, sent as the
 * AuthnRequest's NameIDPolicy Format). A NameID without Format is unspecified (SAML core §2.2.2), so it
 * answers only an SP that asked for unspecified; asking for unspecified leaves the choice to the IdP
 * (core §3.4.1.1), so any format answers it. Formats are URIs: compared exactly (whitespace collapsed, as
 * xs:anyURI is), not case-folded.
 */
export function nameIdFormatAccepted(wanted: string | undefined, actual: string | undefined): boolean {
  if (wanted === undefined || UNSPECIFIED.has(wanted)) return true;
  const f = actual?.trim();
  return f === wanted;
}
