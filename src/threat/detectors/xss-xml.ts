/**
 * XML that makes the parser fetch: an XInclude element (`<xi:include href="…">` pulls a file or URL into
 * the document — local file read or request forgery) and an XML Schema location
 * (`xsi:schemaLocation="ns http://host/x.xsd"`, `xsi:noNamespaceSchemaLocation="http://…"`) naming a
 * remote schema a validating parser downloads. Judged per attribute while xss.ts reads a tag (lower case).
 */

/** Whether an attribute value names a URL a parser would fetch (not a bare namespace name). */
function fetchable(value: string): boolean {
  return value.includes('://') || value.startsWith('file:') || value.startsWith('//');
}

/** Confidence that attribute `attr` (value `value`) of element `name` makes an XML parser fetch a resource. */
export function xmlExternalReference(name: string, attr: string, value: string): number {
  const colon = name.indexOf(':');
  // XInclude: a prefixed `include` element with an href (the XInclude namespace is bound under any prefix)
  if (colon > 0 && name.slice(colon + 1) === 'include' && attr === 'href' && value.length > 0) return 0.9;
  const ac = attr.indexOf(':');
  if (ac > 0) {
    const local = attr.slice(ac + 1);
    if ((local === 'schemalocation' || local === 'nonamespaceschemalocation') && fetchable(value)) {
      // schemaLocation pairs namespace names with locations: the locations are the even tokens
      if (local === 'nonamespaceschemalocation') return 0.85;
      const tokens = value.trim().split(/\s+/);
      for (let i = 1; i < tokens.length; i += 2) if (fetchable(tokens[i]!)) return 0.85;
    }
  }
  return 0;
}
