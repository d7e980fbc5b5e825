import { X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import { readReferencedFile } from '../config/referenced-files.js';
import type { KvStore } from '../store/types.js';
import type { SamlConfig } from './config.js';
import type { RevocationList } from './revocation.js';
import { SamlVerifier } from './saml.js';
import { parseIdpMetadata, type IdpDescriptor } from './saml-metadata.js';
import { SessionSealer } from './saml-session.js';
import { publicKeysOf } from './saml-redirect.js';
import { loadSigning, type SpSigning } from './saml-signing.js';
import { ServiceProvider } from './saml-sp.js';
import type { Clock } from './verifier.js';

const P = '/identity/saml';

function read(dir: string, file: string, pointer: string): string {
  try {
    return readReferencedFile(resolve(dir, file));
  } catch (err) {
    throw new ConfigError(pointer, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function idpOf(c: SamlConfig, dir: string): IdpDescriptor {
  const i = c.idp;
  if (i.metadata_file !== undefined) {
    if (i.sso_url !== undefined || i.certificate_files !== undefined) throw new ConfigError(`${P}/idp`, 'set metadata_file, or entity_id + sso_url + certificate_files, not both');
    const xml = read(dir, i.metadata_file, `${P}/idp/metadata_file`);
    try {
      return parseIdpMetadata(xml, i.entity_id);
    } catch (err) {
      throw new ConfigError(`${P}/idp/metadata_file`, `${i.metadata_file}: ${(err as Error).message}`);
    }
  }
  if (i.entity_id === undefined || i.sso_url === undefined || i.certificate_files === undefined) {
    throw new ConfigError(`${P}/idp`, 'set metadata_file, or all of entity_id, sso_url and certificate_files');
  }
  const certificates = i.certificate_files.map((f, k) => {
    const pem = read(dir, f, `${P}/idp/certificate_files/${k}`);
    try {
      return new X509Certificate(pem).toString();
    } catch {
      throw new ConfigError(`${P}/idp/certificate_files/${k}`, `${f} is not a PEM X.509 certificate`);
    }
  });
  return { entityId: i.entity_id, ssoUrl: i.sso_url, certificates };
}

/** The IdP as described, with the config's SLO URL and signed-request wish over the metadata's. */
function idpWithOverrides(c: SamlConfig, dir: string): IdpDescriptor {
  const idp = idpOf(c, dir);
  if (c.idp.slo_url !== undefined) idp.slo = { url: c.idp.slo_url, responseUrl: c.idp.slo_url };
  if (c.idp.want_authn_requests_signed !== undefined) idp.wantAuthnRequestsSigned = c.idp.want_authn_requests_signed;
  return idp;
}

/**
 * Our SLO URL when single logout is on: the IdP has a SingleLogoutService, and either a signing key is
 * configured (most IdPs refuse unsigned LogoutRequests) or single_logout is true.
 */
function sloUrlOf(c: SamlConfig, idp: IdpDescriptor, acs: URL, paths: string[], revocations: RevocationList | undefined, signed: boolean, logger: Logger): string | undefined {
  if (c.single_logout === false) return undefined;
  if (idp.slo === undefined) {
    if (c.single_logout === true) throw new ConfigError(`${P}/single_logout`, 'the IdP has no SingleLogoutService with the HTTP-Redirect binding: set idp.slo_url, or leave single_logout unset');
    return undefined;
  }
  if (!signed && c.single_logout !== true) {
    logger.info('SAML logout stays local: the IdP has a SingleLogoutService, but LogoutRequests would go unsigned (set identity.saml.signing, or single_logout: true to send them unsigned)');
    return undefined;
  }
  if (revocations === undefined) throw new ConfigError('/identity/revocation/enabled', 'SAML single logout ends sessions through the revocation list: enable it, or set identity.saml.single_logout: false');
  let slo: URL;
  try { slo = new URL(c.slo_url ?? `${acs.origin}/saml/slo`); } catch { throw new ConfigError(`${P}/slo_url`, 'not a URL'); }
  if (slo.search !== '' || slo.hash !== '') throw new ConfigError(`${P}/slo_url`, 'the SLO URL must not have a query or fragment');
  if (paths.includes(slo.pathname)) throw new ConfigError(c.slo_url !== undefined ? `${P}/slo_url` : P, `the SLO path ${slo.pathname} must differ from the ACS, logout and metadata paths (set slo_url)`);
  return slo.toString();
}

function secretOf(c: SamlConfig, dir: string): string {
  const s = c.session;
  if ((s.secret === undefined) === (s.secret_file === undefined)) throw new ConfigError(`${P}/session`, 'set exactly one of secret, secret_file');
  const secret = s.secret ?? read(dir, s.secret_file!, `${P}/session/secret_file`).trim();
  if (secret.length < 32) throw new ConfigError(`${P}/session/${s.secret !== undefined ? 'secret' : 'secret_file'}`, 'the session secret must be at least 32 characters');
  return secret;
}

/** The session cookie's name: configured, or the default for the `secure` setting. */
export function sessionCookieName(s: SamlConfig['session']): string {
  return s.cookie ?? ((s.secure ?? true) ? '__Host-portcullis_session' : 'portcullis_session');
}

/** `identity.saml` → the `saml` verifier; every semantic error names its JSON pointer. */
export function compileSaml(c: SamlConfig, o: { dir: string; store: KvStore; logger: Logger; clock: Clock; skewS: number; revocations?: RevocationList }): SamlVerifier {
  let acs: URL;
  try { acs = new URL(c.acs_url); } catch { throw new ConfigError(`${P}/acs_url`, 'not a URL'); }
  if (acs.search !== '' || acs.hash !== '') throw new ConfigError(`${P}/acs_url`, 'the ACS URL must not have a query or fragment');
  const s = c.session;
  const secure = s.secure ?? true;
  const cookie = sessionCookieName(s);
  // browsers match the prefixes in any case (RFC 6265bis) and silently drop a cookie that breaks their rules
  const prefix = cookie.toLowerCase();
  if (prefix.startsWith('__host-') && (!secure || s.domain !== undefined)) throw new ConfigError(`${P}/session/cookie`, 'a __Host- cookie needs secure: true and no domain');
  if (prefix.startsWith('__secure-') && !secure) throw new ConfigError(`${P}/session/cookie`, 'a __Secure- cookie needs secure: true');
  if (s.same_site === 'none' && !secure) throw new ConfigError(`${P}/session/same_site`, 'same_site: none needs secure: true (browsers drop the cookie otherwise)');
  const paths = [acs.pathname, c.logout_path ?? '/saml/logout', c.metadata_path ?? '/saml/metadata'];
  if (new Set(paths).size !== paths.length) throw new ConfigError(P, `the ACS, logout and metadata paths must differ (${paths.join(', ')})`);
  const secrets = [secretOf(c, o.dir), ...(s.previous_secrets ?? [])];
  const idp = idpWithOverrides(c, o.dir);
  const signing: SpSigning | undefined = c.signing === undefined ? undefined : loadSigning(c.signing, (f, p) => read(o.dir, f, p), `${P}/signing`);
  if (idp.wantAuthnRequestsSigned === true && signing === undefined) {
    const hint = 'set identity.saml.signing { key_file, certificate_file } and register its certificate at the IdP';
    if (c.idp.want_authn_requests_signed === true) throw new ConfigError(`${P}/idp/want_authn_requests_signed`, `the IdP requires signed AuthnRequests: ${hint}`);
    // only the metadata says so, and some IdPs' metadata always does (Keycloak's realm descriptor), whatever the
    // client requires: sign-ins work unsigned where the IdP accepts them, so warn instead of refusing to start
    o.logger.warn({ idp: idp.entityId.slice(0, 200) }, `the IdP metadata says WantAuthnRequestsSigned="true" and no signing key is configured: AuthnRequests go unsigned, which this IdP may refuse (${hint}, or set idp.want_authn_requests_signed: false)`);
  }
  const sloUrl = sloUrlOf(c, idp, acs, paths, o.revocations, signing !== undefined, o.logger);
  if (c.authn_context_comparison !== undefined && c.authn_context === undefined) throw new ConfigError(`${P}/authn_context_comparison`, 'a comparison needs authn_context (the classes, weakest first)');
  if (c.authn_context_comparison === 'better' && c.authn_context!.length < 2) {
    throw new ConfigError(`${P}/authn_context`, 'comparison better needs at least two classes: the one to beat first, then the stronger ones the answer may carry');
  }
  const skewMs = (c.clock_skew_s ?? o.skewS) * 1000;
  const sp = new ServiceProvider(c, idp, o.store, skewMs, { signer: signing, signingCertificate: signing?.certificate, sloUrl });
  const slo = sloUrl === undefined ? undefined : {
    idpEntityId: idp.entityId, idpSlo: idp.slo!, idpKeys: publicKeysOf(idp.certificates), spEntityId: c.sp_entity_id, sloUrl,
    signer: signing, store: o.store, ttlMs: (c.request_ttl_s ?? 600) * 1000, skewMs, allowSha1: c.allow_sha1 === true,
  };
  return new SamlVerifier({ cfg: c, sp, sealer: new SessionSealer(secrets, cookie), cookie, secrets, revocations: o.revocations, logger: o.logger, clock: o.clock, slo });
}
