import { stripTrailingSlashes } from '../common/strip-slashes.js';
import { fetchJson, HttpError } from './http-client.js';

/**
 * OpenID Connect discovery (OIDC Discovery 1.0 §4): GET {issuer}/.well-known/openid-configuration, whose
 * `issuer` must equal the configured issuer exactly (§4.3) and whose `jwks_uri` locates the keys.
 * The result is remembered; a failed attempt is retried by the next JWKS refresh.
 */
export function discoveryUrl(issuer: string): string {
  return `${stripTrailingSlashes(issuer)}/.well-known/openid-configuration`;
}

export function oidcJwksResolver(issuer: string, timeoutMs: number, url = discoveryUrl(issuer)): () => Promise<string> {
  let jwksUri: string | undefined;
  return async () => {
    if (jwksUri !== undefined) return jwksUri;
    const r = await fetchJson(url, { timeoutMs, maxBytes: 256 * 1024 });
    if (r.status !== 200) throw new HttpError(`discovery: HTTP ${r.status}`, r.status);
    const doc = r.json as { issuer?: unknown; jwks_uri?: unknown } | undefined;
    if (doc?.issuer !== issuer) throw new Error('discovery: the document\'s "issuer" does not match the configured issuer');
    if (typeof doc.jwks_uri !== 'string' || !/^https?:\/\//.test(doc.jwks_uri)) throw new Error('discovery: no valid "jwks_uri"');
    jwksUri = doc.jwks_uri;
    return jwksUri;
  };
}
