import { serializeInnerList, type InnerList, type Item } from 'structured-headers';

/** The parts of a request HTTP Message Signatures (RFC 9421) can cover. */
export interface SignedMessage {
  method: string;
  scheme: string;
  /** host[:port], lower-case, default port removed */
  authority: string;
  /** absolute path as sent, not decoded; '' is treated as '/' */
  path: string;
  /** raw query without '?', '' when none */
  query: string;
  /** lower-case names; a repeated field is one comma-joined value */
  headers: Readonly<Record<string, string>>;
}

export class SignatureBaseError extends Error {}

export const DERIVED = new Set(['@method', '@authority', '@scheme', '@target-uri', '@request-target', '@path', '@query']);

export function normalizeAuthority(host: string, scheme: string): string {
  const h = host.toLowerCase();
  if ((scheme === 'https' && h.endsWith(':443')) || (scheme === 'http' && h.endsWith(':80'))) return h.slice(0, h.lastIndexOf(':'));
  return h;
}

/**
 * RFC 9421 §2.1 combines a field sent on several lines as the trimmed lines joined by ", "; Envoy's CheckRequest
 * joins them with "," (and trims each line), so a comma followed by anything but whitespace may be such a join.
 * `envoyJoins` reads every such comma as one: the value a signer computed for the separate lines.
 */
export function rfcCombined(v: string): string {
  return v.replace(/,(?=[^ \t])/g, ', ');
}

/** RFC 9421 §2.2 derived components and §2.1 header fields. Throws SignatureBaseError. */
export function componentValue(m: SignedMessage, name: string, envoyJoins = false): string {
  switch (name) {
    case '@method': return m.method;
    case '@authority': return m.authority;
    case '@scheme': return m.scheme.toLowerCase();
    case '@path': return m.path === '' ? '/' : m.path;
    case '@query': return `?${m.query}`;
    case '@request-target': return `${m.path === '' ? '/' : m.path}${m.query !== '' ? `?${m.query}` : ''}`;
    case '@target-uri': return `${m.scheme.toLowerCase()}://${m.authority}${m.path === '' ? '/' : m.path}${m.query !== '' ? `?${m.query}` : ''}`;
    default: {
      if (name.startsWith('@')) throw new SignatureBaseError(`unsupported derived component ${name}`);
      // own fields only: the name comes from the client, and a header map may have Object's prototype
      const v = Object.hasOwn(m.headers, name) ? m.headers[name] : undefined;
      if (typeof v !== 'string') throw new SignatureBaseError(`covered field ${name} is not in the request`);
      // RFC 9421 §2.1: leading/trailing whitespace removed, obs-fold replaced by a space
      const one = v.replace(/\r?\n[ \t]+/g, ' ').trim();
      return envoyJoins ? rfcCombined(one) : one;
    }
  }
}

/**
 * The signature base (RFC 9421 §2.5) for one signature: one line per covered component, then
 * "@signature-params" with the serialized inner list and its parameters. `envoyJoins`: header values read as
 * Envoy-joined lines (see rfcCombined).
 */
export function signatureBase(m: SignedMessage, params: InnerList, envoyJoins = false): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const item of params[0] as Item[]) {
    const name = item[0];
    if (typeof name !== 'string') throw new SignatureBaseError('component identifiers must be strings');
    if (item[1].size > 0) throw new SignatureBaseError('component parameters (sf, key, bs, req, tr) are not supported');
    if (name !== name.toLowerCase()) throw new SignatureBaseError('component names must be lower-case');
    if (seen.has(name)) throw new SignatureBaseError(`component ${name} covered twice`);
    seen.add(name);
    const value = componentValue(m, name, envoyJoins);
    if (/[\r\n]/.test(value)) throw new SignatureBaseError(`component ${name} has a line break`);
    lines.push(`"${name}": ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(params)}`);
  return lines.join('\n');
}
