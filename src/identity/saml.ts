import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { RequestContext } from '../pipeline/context.js';
import { Deny } from '../pipeline/deny.js';
import { counter } from '../telemetry/metrics.js';
import { IDENTITY_CODES } from './codes.js';
import type { SamlConfig } from './config.js';
import { AuthFailure, fail } from './failure.js';
import type { RevocationList } from './revocation.js';
import { PendingSignIns } from './saml-pending.js';
import { CookieSealer, type SessionClaims, SessionSealer } from './saml-session.js';
import type { LogoutMessage } from './saml-logout.js';
import { SingleLogout, type SingleLogoutOptions, type SloHooks } from './saml-slo.js';
import { SamlRejected, type Assertion, type ServiceProvider } from './saml-sp.js';
import { parseCookies } from './token-source.js';
import type { Clock, CredentialVerifier, Verified, VerifyOutcome } from './verifier.js';

const logins = counter('portcullis_identity_saml_logins_total', 'SAML ACS posts by result (OK or a reason code)', ['result'] as const);

/** Browsers keep cookies up to 4096 bytes (name, value and attributes). */
export const MAX_COOKIE_BYTES = 4000;
/** A path on this site (no scheme, no `//host`, no `/\host`, no control characters), at most 2 KiB. */
const LOCAL_PATH = /^\/(?![/\\])[^\x00-\x1f\x7f]{0,2047}$/;

export function isLocalPath(s: string | null | undefined): s is string {
  return typeof s === 'string' && LOCAL_PATH.test(s);
}

export interface SamlVerifierOptions {
  cfg: SamlConfig;
  sp: ServiceProvider;
  sealer: SessionSealer;
  cookie: string;
  /** every session secret, the first sealing: the request cookie is sealed with them too */
  secrets: readonly string[];
  revocations?: RevocationList;
  logger: Logger;
  clock: Clock;
  /** single logout with the IdP (absent: logout is local) */
  slo?: Omit<SingleLogoutOptions, 'pending' | 'logger' | 'clock'>;
}

interface Presented { value: string }

/**
 * `saml`: a browser session started by SAML 2.0 Web Browser SSO. The session is a sealed cookie
 * (saml-session.ts) checked on every request without I/O; logout revokes its id on every replica.
 * Portcullis answers the SP's own paths inside Check, as Envoy's denied response (there is nothing to
 * forward): the ACS (POST: verify the assertion, set the cookie, 303 to the RelayState path), logout and
 * SP metadata. A browser navigation without a session is redirected to the IdP.
 */
export class SamlVerifier implements CredentialVerifier<Presented> {
  readonly kind = 'saml' as const;
  private readonly acsPath: string;
  private readonly logoutPath: string;
  private readonly metadataPath: string;
  private readonly cookieAttrs: string;
  private readonly maxAgeMs: number;
  private readonly metadataDeny: Deny;
  /** Opened session cookies (value → identity): spares the AES-GCM open and JSON parse per request. Bounded. */
  private readonly opened = new LRUCache<string, { verified: Verified; exp: number }>({ max: 10_000 });
  /** The sign-ins this browser started (login CSRF): a sealed cookie. */
  private readonly pending: PendingSignIns;
  private readonly slo?: SingleLogout;
  private readonly sloPath?: string;
  private readonly sloHooks: SloHooks;

  constructor(private readonly o: SamlVerifierOptions) {
    const c = o.cfg;
    this.acsPath = new URL(c.acs_url).pathname;
    this.logoutPath = c.logout_path ?? '/saml/logout';
    this.metadataPath = c.metadata_path ?? '/saml/metadata';
    this.maxAgeMs = (c.session.max_age_s ?? 28_800) * 1000;
    const sameSite = { lax: 'Lax', strict: 'Strict', none: 'None' }[c.session.same_site ?? 'lax'];
    this.cookieAttrs = `; Path=/; HttpOnly; SameSite=${sameSite}${c.session.secure === false ? '' : '; Secure'}${c.session.domain ? `; Domain=${c.session.domain}` : ''}`;
    const secure = c.session.secure !== false;
    // __Host- (Secure, no Domain, Path=/): a sibling subdomain cannot plant a cookie of this name here (cookie
    // tossing); sealed, its content cannot be forged anyway. The IdP posts to the ACS cross-site: only
    // SameSite=None (which needs Secure) comes along.
    const requestCookie = secure ? '__Host-portcullis_saml_request' : 'portcullis_saml_request';
    this.pending = new PendingSignIns(new CookieSealer(o.secrets, requestCookie), requestCookie, (c.request_ttl_s ?? 600) * 1000,
      `; Path=/; HttpOnly${secure ? '; SameSite=None; Secure' : ''}`);
    if (o.slo !== undefined) {
      // the logouts this browser started at the IdP: its LogoutResponse is accepted only here (like sign-ins)
      const logoutCookie = secure ? '__Host-portcullis_saml_logout' : 'portcullis_saml_logout';
      this.slo = new SingleLogout({ ...o.slo, logger: o.logger, clock: o.clock,
        pending: new PendingSignIns(new CookieSealer(o.secrets, logoutCookie), logoutCookie, o.slo.ttlMs, `; Path=/; HttpOnly${secure ? '; SameSite=None; Secure' : ''}`) });
      this.sloPath = new URL(o.slo.sloUrl).pathname;
    }
    this.sloHooks = {
      endSessions: (ctx, m) => this.endSessions(ctx, m), clearCookie: `${this.o.cookie}=; Max-Age=0${this.cookieAttrs}`, landing: c.logout_redirect ?? '/',
      mayClear: (ctx, m) => this.sessionMayBe(ctx, m),
    };
    this.metadataDeny = new Deny('SAML_METADATA', 'SAML service provider metadata', 200, { 'content-type': 'application/samlmetadata+xml' }, o.sp.metadata());
  }

  // ---- the session cookie: a credential like the others ----

  extract(ctx: RequestContext): Presented | AuthFailure | undefined {
    if (ctx.headers.cookie === undefined) return undefined;
    const vs = parseCookies(ctx.headers.cookie).get(this.o.cookie);
    if (vs === undefined) return undefined;
    if (vs.length > 1) return fail('saml', 'ERR_TOKEN_AMBIGUOUS');
    return { value: vs[0]! };
  }

  verify(_ctx: RequestContext, p: Presented): VerifyOutcome {
    if (p.value.length > MAX_COOKIE_BYTES) return fail('saml', 'ERR_SAML_SESSION_INVALID');
    let v = this.opened.get(p.value);
    if (v === undefined) {
      const s = this.o.sealer.open(p.value);
      if (s === undefined) return fail('saml', 'ERR_SAML_SESSION_INVALID');
      const claims: Record<string, unknown> = { ...s.attrs, name_id: s.sub, session_id: s.sid };
      if (s.fmt !== undefined) claims.name_id_format = s.fmt;
      if (s.idx !== undefined) claims.session_index = s.idx;
      // how and when the user authenticated at the IdP (absent in cookies sealed before they were kept)
      if (s.acr !== undefined) claims.authn_context = s.acr;
      if (s.ait !== undefined) claims.authn_instant = Math.floor(s.ait / 1000);
      v = { verified: { identity: { kind: 'saml', subject: s.sub, issuer: s.iss, roles: s.roles, claims }, jti: s.sid, issuedAtMs: s.iat }, exp: s.exp };
      this.opened.set(p.value, v);
    }
    // expiry on every request; revocation (logout, subject) is checked by the identify stage on every request too
    if (v.exp <= this.o.clock()) { this.opened.delete(p.value); return fail('saml', 'ERR_SAML_SESSION_EXPIRED'); }
    return v.verified;
  }

  challengeHeaders(): Record<string, string> { return {}; }

  // ---- the SP's own paths ----

  intercept(ctx: RequestContext): Deny | Promise<Deny> | undefined {
    const path = ctx.path;
    if (path === this.acsPath) return ctx.method === 'POST' ? this.acs(ctx) : methodNotAllowed('POST');
    if (path === this.logoutPath) {
      if (ctx.method !== 'POST' && ctx.method !== 'GET') return methodNotAllowed('GET, POST');
      // another site may not sign the user out (a link or form on it would carry the Lax session cookie)
      const site = ctx.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin' && site !== 'none') return new Deny('ERR_CSRF', 'sign-out must come from this site', 403);
      return this.logout(ctx);
    }
    // the IdP's LogoutResponse / LogoutRequest: a cross-site redirect by nature, signed by the IdP
    if (this.slo !== undefined && path === this.sloPath) return ctx.method === 'GET' ? this.slo.receive(ctx, this.sloHooks) : methodNotAllowed('GET');
    if (path === this.metadataPath) return ctx.method === 'GET' || ctx.method === 'HEAD' ? this.metadataDeny : methodNotAllowed('GET');
    return undefined;
  }

  /** A top-level browser navigation (not an XHR/fetch or an API client) is sent to the IdP to sign in. */
  loginRedirect(ctx: RequestContext): Promise<Deny> | undefined {
    if (this.o.cfg.login === 'deny' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return undefined;
    const accept = ctx.headers.accept ?? '';
    const dest = ctx.headers['sec-fetch-dest'];
    if (!accept.includes('text/html') || (dest !== undefined && dest !== 'document')) return undefined;
    const relay = isLocalPath(ctx.rawPath) && ctx.rawPath.length <= 1024 ? ctx.rawPath : '/';
    return this.o.sp.loginUrl(relay).then(
      ({ url, requestId }) => new Deny('SAML_LOGIN_REDIRECT', 'sign-in required', 302, {
        location: url, 'cache-control': 'no-store', 'set-cookie': this.pending.add(ctx, requestId, this.o.clock()),
      }, ''),
      (err: unknown) => {
        this.o.logger.warn({ err: (err as Error).message }, 'SAML sign-in could not start');
        return samlDeny('ERR_SAML_UNAVAILABLE');
      });
  }

  private async acs(ctx: RequestContext): Promise<Deny> {
    const now = this.o.clock();
    let assertion: Assertion;
    let relay: string | null = null;
    let answered: string | undefined;
    try {
      if (ctx.bodyTruncated) throw new SamlRejected('ERR_SAML_MALFORMED', 'the ACS post reached Portcullis incomplete: raise Envoy ext_authz with_request_body.max_request_bytes');
      const type = (ctx.headers['content-type'] ?? '').toLowerCase();
      if (!type.startsWith('application/x-www-form-urlencoded')) throw new SamlRejected('ERR_SAML_MALFORMED', 'the ACS post is not a form');
      const form = new URLSearchParams(ctx.body.toString('latin1'));
      const posted = form.getAll('SAMLResponse');
      if (posted.length !== 1) throw new SamlRejected('ERR_SAML_MALFORMED', posted.length === 0 ? 'no SAMLResponse field' : 'several SAMLResponse fields');
      relay = form.get('RelayState');
      // an answer to a sign-in is only taken from the browser that started it: otherwise an attacker could
      // post their own signed response from a victim's browser and sign the victim in as themselves
      assertion = await this.o.sp.consume(posted[0]!, now, (id) => {
        const started = this.pending.startedAt(ctx, id, now);
        if (started !== undefined) answered = id;
        return started;
      });
    } catch (err) {
      const r = err instanceof SamlRejected ? err : new SamlRejected('ERR_SAML_UNAVAILABLE', (err as Error).message);
      logins.inc({ result: r.code });
      this.o.logger.info({ code: r.code, reason: r.detail, decision_id: ctx.decisionId }, 'SAML response refused');
      return samlDeny(r.code);
    }
    const s = this.session(assertion, now);
    const value = this.o.sealer.seal(s);
    const cookie = `${this.o.cookie}=${value}; Max-Age=${Math.max(1, Math.floor((s.exp - now) / 1000))}${this.cookieAttrs}`;
    if (cookie.length > MAX_COOKIE_BYTES) {
      logins.inc({ result: 'ERR_SAML_SESSION_TOO_LARGE' });
      this.o.logger.error({ bytes: cookie.length, attributes: Object.keys(s.attrs).length }, 'SAML session cookie would exceed 4000 bytes: list fewer attributes in identity.saml.attributes');
      return new Deny('ERR_SAML_SESSION_TOO_LARGE', 'session too large', 500);
    }
    logins.inc({ result: 'OK' });
    ctx.identity = { kind: 'saml', subject: s.sub, issuer: s.iss, roles: s.roles, claims: {} };
    // the answered sign-in leaves the browser's pending list (other tabs' stay)
    const cookies = answered === undefined ? [cookie] : [cookie, this.pending.remove(ctx, answered, now)];
    return new Deny('SAML_SIGNED_IN', 'signed in', 303, { location: isLocalPath(relay) ? relay : '/', 'set-cookie': cookies, 'cache-control': 'no-store' }, '');
  }

  private session(a: Assertion, now: number): SessionClaims {
    const wanted = this.o.cfg.attributes;
    const attrs: Record<string, string | string[]> = {};
    for (const name of Object.keys(a.attributes)) if (wanted === undefined || wanted.includes(name)) attrs[name] = a.attributes[name]!;
    const ra = this.o.cfg.roles_attribute;
    const rv = ra === undefined ? undefined : a.attributes[ra];
    const roles = rv === undefined ? [] : Array.isArray(rv) ? rv.slice(0, 256) : [rv];
    const exp = Math.min(now + this.maxAgeMs, a.sessionEnd ?? Infinity);
    // issued when the IdP issued the assertion: revoking a subject "before T" also covers an assertion
    // issued before T and posted after it (a stolen response would otherwise yield a fresh session)
    const iat = Math.min(now, a.issuedAt ?? now);
    return { sid: randomBytes(16).toString('base64url'), sub: a.nameId, iss: a.issuer, iat, exp, roles, attrs, fmt: a.nameIdFormat, idx: a.sessionIndex, nq: a.nameQualifier, spnq: a.spNameQualifier, acr: a.authnContext, ait: a.authnInstant };
  }

  /**
   * An IdP LogoutRequest: every session of that NameID from this IdP started before now ends on every replica
   * (`revoke subject`). Sessions live only in cookies, so the ones of one SessionIndex cannot be told apart.
   */
  private async endSessions(_ctx: RequestContext, m: LogoutMessage): Promise<boolean> {
    const now = this.o.clock();
    if (this.o.revocations === undefined || m.subject === undefined) return false;
    try {
      await this.o.revocations.revoke({ type: 'sub', subject: m.subject.nameId, issuer: m.issuer, before: now, until: now + this.maxAgeMs });
      return true;
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'SAML IdP logout could not revoke the sessions (store unavailable)');
      return false;
    }
  }

  /** False when this browser's session cookie opens to a session of another subject or issuer than `m` names. */
  private sessionMayBe(ctx: RequestContext, m: LogoutMessage): boolean {
    const p = this.extract(ctx);
    if (p === undefined || p instanceof AuthFailure) return true;
    const s = this.o.sealer.open(p.value);
    return s === undefined || (s.sub === m.subject?.nameId && s.iss === m.issuer);
  }

  /** Local logout: the session id is revoked on every replica until the cookie would expire; the cookie is cleared. */
  private async logout(ctx: RequestContext): Promise<Deny> {
    const clear = `${this.o.cookie}=; Max-Age=0${this.cookieAttrs}`;
    const p = this.extract(ctx);
    const s = p === undefined || p instanceof AuthFailure ? undefined : this.o.sealer.open(p.value);
    // a session that already ended (logged out, revoked) asks the IdP for nothing: an old cookie must not
    // mint fresh signed LogoutRequests naming its user
    const ended = s !== undefined && this.o.revocations !== undefined
      && this.o.revocations.isRevoked({ identity: { kind: 'saml', subject: s.sub, issuer: s.iss, roles: s.roles, claims: {} }, jti: s.sid, issuedAtMs: s.iat });
    if (s !== undefined && !ended && s.exp > this.o.clock() && this.o.revocations !== undefined) {
      try {
        await this.o.revocations.revoke({ type: 'jti', jti: s.sid, until: s.exp });
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'SAML logout could not revoke the session (store unavailable)');
        return samlDeny('ERR_SAML_UNAVAILABLE');
      }
    }
    if (s !== undefined) ctx.identity = { kind: 'saml', subject: s.sub, issuer: s.iss, roles: s.roles, claims: {} };
    // single logout: on to the IdP, which answers at the SLO path; the session cookie goes now (it is
    // already revoked everywhere)
    if (this.slo !== undefined && s !== undefined && !ended && s.exp > this.o.clock()) {
      return this.slo.start(ctx, { nameId: s.sub, format: s.fmt, nameQualifier: s.nq, spNameQualifier: s.spnq, sessionIndex: s.idx }, clear);
    }
    return new Deny('SAML_SIGNED_OUT', 'signed out', 303, { location: this.o.cfg.logout_redirect ?? '/', 'set-cookie': clear, 'cache-control': 'no-store' }, '');
  }
}

function samlDeny(code: keyof typeof IDENTITY_CODES): Deny {
  const info = IDENTITY_CODES[code];
  return new Deny(code, info.message, info.status);
}

function methodNotAllowed(allow: string): Deny {
  return new Deny('ERR_METHOD_NOT_ALLOWED', 'method not allowed on this SAML endpoint', 405, { allow });
}
