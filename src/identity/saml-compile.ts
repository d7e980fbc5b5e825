import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import type { KvStore } from '../store/types.js';
import type { SamlConfig } from './config.js';
import type { RevocationList } from './revocation.js';
import { SamlVerifier } from './saml.js';
import { parseIdpMetadata, type IdpDescriptor } from './saml-metadata.js';
import { SessionSealer } from './saml-session.js';
import { ServiceProvider } from './saml-sp.js';
import type { Clock } from './verifier.js';

const P = '/identity/saml';

function read(dir: string, file: string, pointer: string): string {
  try {
    return readFileSync(resolve(dir, file), 'utf8');
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

function secretOf(c: SamlConfig, dir: string): string {
  const s = c.session;
  if ((s.secret === undefined) === (s.secret_file === undefined)) throw new ConfigError(`${P}/session`, 'set exactly one of secret, secret_file');
  const secret = s.secret ?? read(dir, s.secret_file!, `${P}/session/secret_file`).trim();
  if (secret.length < 32) throw new ConfigError(`${P}/session/${s.secret !== undefined ? 'secret' : 'secret_file'}`, 'the session secret must be at least 32 characters');
  return secret;
}

/** `identity.saml` → the `saml` verifier; every semantic error names its JSON pointer. */
export function compileSaml(c: SamlConfig, o: { dir: string; store: KvStore; logger: Logger; clock: Clock; skewS: number; revocations?: RevocationList }): SamlVerifier {
  let acs: URL;
  try { acs = new URL(c.acs_url); } catch { throw new ConfigError(`${P}/acs_url`, 'not a URL'); }
  if (acs.search !== '' || acs.hash !== '') throw new ConfigError(`${P}/acs_url`, 'the ACS URL must not have a query or fragment');
  const s = c.session;
  const secure = s.secure ?? true;
  const cookie = s.cookie ?? (secure ? '__Host-portcullis_session' : 'portcullis_session');
  // browsers match the prefixes in any case (RFC 6265bis) and silently drop a cookie that breaks their rules
  const prefix = cookie.toLowerCase();
  if (prefix.startsWith('__host-') && (!secure || s.domain !== undefined)) throw new ConfigError(`${P}/session/cookie`, 'a __Host- cookie needs secure: true and no domain');
  if (prefix.startsWith('__secure-') && !secure) throw new ConfigError(`${P}/session/cookie`, 'a __Secure- cookie needs secure: true');
  if (s.same_site === 'none' && !secure) throw new ConfigError(`${P}/session/same_site`, 'same_site: none needs secure: true (browsers drop the cookie otherwise)');
  const paths = [acs.pathname, c.logout_path ?? '/saml/logout', c.metadata_path ?? '/saml/metadata'];
  if (new Set(paths).size !== paths.length) throw new ConfigError(P, `the ACS, logout and metadata paths must differ (${paths.join(', ')})`);
  const secrets = [secretOf(c, o.dir), ...(s.previous_secrets ?? [])];
  const idp = idpOf(c, o.dir);
  const sp = new ServiceProvider(c, idp, o.store, (c.clock_skew_s ?? o.skewS) * 1000);
  return new SamlVerifier({ cfg: c, sp, sealer: new SessionSealer(secrets, cookie), cookie, secrets, revocations: o.revocations, logger: o.logger, clock: o.clock });
}
