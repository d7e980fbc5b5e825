import type { CredentialLocations } from '../modules/module.js';
import type { IdentityGlobalConfig } from './config.js';
import { sessionCookieName } from './saml-compile.js';
import { BEARER, type TokenSourceConfig } from './token-source.js';

/**
 * Every request place the identity config reads a credential from: each issuer's, introspection endpoint's
 * and the API keys' token sources (with their defaults), the RFC 9421 Signature header, and the SAML session
 * cookie. Other modules erase these from what they record (policy decision logs).
 */
export function identityCredentialLocations(g: IdentityGlobalConfig | undefined): CredentialLocations {
  const headers = new Set<string>();
  const cookies = new Set<string>();
  const query = new Set<string>();
  const add = (sources: readonly TokenSourceConfig[]): void => {
    for (const s of sources) {
      if (s.header !== undefined) headers.add(s.header.toLowerCase());
      if (s.cookie !== undefined) cookies.add(s.cookie);
      if (s.query !== undefined) query.add(s.query);
    }
  };
  for (const i of g?.issuers ?? []) add(i.from ?? [BEARER]);
  for (const i of g?.introspection ?? []) add(i.from ?? [BEARER]);
  if (g?.api_keys) add(g.api_keys.from ?? [{ header: 'x-api-key' }]);
  if (g?.signatures) headers.add('signature');
  if (g?.saml) cookies.add(sessionCookieName(g.saml.session));
  return { headers: [...headers], cookies: [...cookies], query: [...query] };
}
