/**
 * What the SAML tests do as a browser: the test config (one route accepting saml), starting a sign-in
 * (following Portcullis's redirect to the IdP) and posting the IdP's answer to the ACS.
 */
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import type { CheckResult, Harness, Req } from './helpers.js';

export const IDP = 'https://idp.test/realms/demo';
export const SSO = 'https://idp.test/sso';
export const SP = 'https://app.test/saml/metadata';
export const ACS = 'https://app.test/saml/acs';
export const SECRET = 's'.repeat(40);

/** Portcullis config for the test IdP: roles from `Role`, forwarded headers; one route accepting saml unless `routes` says otherwise. */
export function samlConfig(certFile: string, o: { extra?: string; session?: string; routes?: string } = {}): string {
  return `
identity:
  saml:
    sp_entity_id: ${SP}
    acs_url: ${ACS}
    idp: { entity_id: "${IDP}", sso_url: "${SSO}", certificate_files: ["${certFile}"] }
    roles_attribute: Role
    session: { secret: "${SECRET}"${o.session ?? ''} }
${o.extra ?? ''}
  forward:
    claims: { subject: x-user, roles: x-roles, email: x-email }
routes:
${o.routes ?? `  - name: app
    match: { path: { prefix: / } }
    identity: { accept: [saml] }`}
`;
}

export const browser = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document' };

/** The IdP's HTTP-POST to the ACS (with the browser's cookies). */
export const form = (fields: Record<string, string>, cookie?: string, path = '/saml/acs'): Req => ({
  method: 'POST', path, body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
});

/** Starts a sign-in the way a browser does: the AuthnRequest ID the IdP would answer, the request cookie, RelayState. */
export async function startLogin(h: Harness, path = '/app/orders?x=1', cookie?: string): Promise<{ id: string; r: CheckResult; relay: string | null; req: string }> {
  const r = await h.send({ path, headers: { ...browser, ...(cookie ? { cookie } : {}) } });
  assert.equal(r.status, 302, JSON.stringify(r.body));
  const loc = new URL(r.headers.location!);
  const xml = inflateRawSync(Buffer.from(loc.searchParams.get('SAMLRequest')!, 'base64')).toString();
  return { id: /ID="([^"]+)"/.exec(xml)![1]!, r, relay: loc.searchParams.get('RelayState'), req: r.headers['set-cookie']!.split(';')[0]! };
}
