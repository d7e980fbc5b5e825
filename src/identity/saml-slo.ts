import { createHash, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { RequestContext } from '../pipeline/context.js';
import { Deny } from '../pipeline/deny.js';
import type { KvStore } from '../store/types.js';
import { counter } from '../telemetry/metrics.js';
import { IDENTITY_CODES } from './codes.js';
import { type LogoutMessage, logoutRequestXml, logoutResponseXml, type LogoutSubject, messageId, parseLogoutMessage, STATUS_RESPONDER, STATUS_SUCCESS } from './saml-logout.js';
import type { PendingSignIns } from './saml-pending.js';
import { readRedirect, type RedirectSigner, redirectUrl } from './saml-redirect.js';
import { SamlRejected } from './saml-sp.js';
import type { Clock } from './verifier.js';

const logouts = counter('portcullis_identity_saml_logouts_total', 'SAML single logout messages by kind (sent LogoutRequest, received LogoutResponse / LogoutRequest) and result (OK or a reason code)', ['message', 'result'] as const);

const REPLAY_PREFIX = 'identity:saml:logout:';

export interface SingleLogoutOptions {
  idpEntityId: string;
  /** the IdP's SingleLogoutService (HTTP-Redirect): LogoutRequests to url, LogoutResponses to responseUrl */
  idpSlo: { url: string; responseUrl: string };
  idpKeys: readonly KeyObject[];
  spEntityId: string;
  /** our SingleLogoutService URL: the Destination the IdP's messages must name */
  sloUrl: string;
  signer?: RedirectSigner;
  store: KvStore;
  /** the logout requests this browser sent (sealed cookie), like the pending sign-ins */
  pending: PendingSignIns;
  ttlMs: number;
  skewMs: number;
  allowSha1: boolean;
  logger: Logger;
  clock: Clock;
}

/** What the verifier does for the SLO endpoint: end the sessions a LogoutRequest names; the cookie and page after. */
export interface SloHooks {
  /** Ends the sessions of the subject an IdP LogoutRequest names; false when that could not be done (store down). */
  endSessions(ctx: RequestContext, m: LogoutMessage): Promise<boolean>;
  /** Set-Cookie that clears the session cookie */
  clearCookie: string;
  /**
   * False when this browser's session cookie is another user's than the LogoutRequest names: a signed
   * LogoutRequest captured by its own user (not followed) must not sign someone else's browser out.
   */
  mayClear(ctx: RequestContext, m: LogoutMessage): boolean;
  /** where the browser lands after our logout finished */
  landing: string;
}

/**
 * SAML Single Logout with the IdP, HTTP-Redirect binding, answered inside Check like the other SP paths.
 *  - SP-initiated: after the local logout, the browser goes to the IdP with a LogoutRequest (signed when a key
 *    is configured) naming the NameID and SessionIndex of its session; the request ID is kept in a sealed
 *    cookie, so the IdP's LogoutResponse is only accepted by the browser that sent the request.
 *  - IdP-initiated: a signed LogoutRequest ends the subject's sessions on every replica and is answered with
 *    a LogoutResponse to the IdP.
 * Every inbound message must be signed by the IdP, name it as Issuer and our SLO URL as Destination, be
 * current, and is accepted once (its ID is claimed in the store).
 */
export class SingleLogout {
  constructor(private readonly o: SingleLogoutOptions) {}

  /** The redirect that sends the browser to the IdP with a LogoutRequest for `subject`; `clearSession` deletes the session cookie. */
  start(ctx: RequestContext, subject: LogoutSubject, clearSession: string): Deny {
    const now = this.o.clock();
    const id = messageId();
    const xml = logoutRequestXml({ id, now, ttlMs: this.o.ttlMs, destination: this.o.idpSlo.url, issuer: this.o.spEntityId, subject });
    logouts.inc({ message: 'sent_request', result: 'OK' });
    return new Deny('SAML_LOGOUT_REDIRECT', 'signing out at the identity provider', 303, {
      location: redirectUrl(this.o.idpSlo.url, 'SAMLRequest', xml, undefined, this.o.signer),
      'cache-control': 'no-store',
      'set-cookie': [this.o.pending.add(ctx, id, now), clearSession],
    }, '');
  }

  /** GET on the SLO path: the IdP's LogoutResponse (to our request) or LogoutRequest. */
  async receive(ctx: RequestContext, hooks: SloHooks): Promise<Deny> {
    const now = this.o.clock();
    let kind = 'received_unknown';
    let m: LogoutMessage;
    let relayState: string | undefined;
    try {
      const r = readRedirect(ctx.rawQuery, this.o.idpKeys, this.o.allowSha1);
      kind = r.param === 'SAMLRequest' ? 'received_request' : 'received_response';
      m = parseLogoutMessage(r.xml, r.param === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse');
      relayState = r.relayState;
      this.check(ctx, m, now);
      await this.claim(m, now);
    } catch (err) {
      const r = err instanceof SamlRejected ? err : new SamlRejected('ERR_SAML_UNAVAILABLE', (err as Error).message);
      logouts.inc({ message: kind, result: r.code });
      this.o.logger.info({ code: r.code, reason: r.detail, decision_id: ctx.decisionId, message: kind }, 'SAML logout message refused');
      const info = IDENTITY_CODES[r.code];
      return new Deny(r.code, info.message, info.status);
    }
    if (m.kind === 'LogoutResponse') {
      const ok = m.status === STATUS_SUCCESS;
      logouts.inc({ message: kind, result: ok ? 'OK' : 'ERR_SAML_STATUS' });
      // the local session ended before the browser left; the IdP's may not have
      if (!ok) this.o.logger.warn({ status: String(m.status).slice(0, 200), decision_id: ctx.decisionId }, 'the IdP did not end its session (LogoutResponse status)');
      const cookies = [hooks.clearCookie, this.o.pending.remove(ctx, m.inResponseTo!, now)];
      return new Deny('SAML_SIGNED_OUT', 'signed out', 303, { location: hooks.landing, 'set-cookie': cookies, 'cache-control': 'no-store' }, '');
    }
    const ended = await hooks.endSessions(ctx, m);
    logouts.inc({ message: kind, result: ended ? 'OK' : 'ERR_SAML_UNAVAILABLE' });
    const xml = logoutResponseXml({ id: messageId(), now, destination: this.o.idpSlo.responseUrl, issuer: this.o.spEntityId, inResponseTo: m.id, status: ended ? STATUS_SUCCESS : STATUS_RESPONDER });
    return new Deny('SAML_LOGGED_OUT_BY_IDP', 'signed out by the identity provider', 303, {
      location: redirectUrl(this.o.idpSlo.responseUrl, 'SAMLResponse', xml, relayState, this.o.signer),
      ...(hooks.mayClear(ctx, m) ? { 'set-cookie': hooks.clearCookie } : {}),
      'cache-control': 'no-store',
    }, '');
  }

  private check(ctx: RequestContext, m: LogoutMessage, now: number): void {
    const skew = this.o.skewMs;
    if (m.issuer !== this.o.idpEntityId) throw new SamlRejected('ERR_SAML_ISSUER', `${m.kind} issuer is not the configured IdP: ${m.issuer.slice(0, 200)}`);
    // a signed redirect message must name where it was sent (saml-bindings §3.4.5.2)
    if (m.destination !== this.o.sloUrl) throw new SamlRejected('ERR_SAML_RECIPIENT', `${m.kind} Destination is not this SLO URL: ${String(m.destination).slice(0, 200)}`);
    if (m.issueInstant > now + skew || m.issueInstant < now - this.o.ttlMs - skew) throw new SamlRejected('ERR_SAML_EXPIRED', `${m.kind} IssueInstant is outside the last request_ttl_s`);
    if (m.notOnOrAfter !== undefined && now - skew >= m.notOnOrAfter) throw new SamlRejected('ERR_SAML_EXPIRED', `${m.kind} has expired (NotOnOrAfter)`);
    if (m.kind === 'LogoutResponse') {
      // only an answer to a logout this browser started: InResponseTo is in its sealed logout cookie
      if (m.inResponseTo === undefined) throw new SamlRejected('ERR_SAML_IN_RESPONSE_TO', 'unsolicited LogoutResponse (no InResponseTo)');
      if (!this.o.pending.has(ctx, m.inResponseTo, now)) throw new SamlRejected('ERR_SAML_IN_RESPONSE_TO', 'the LogoutResponse answers no logout this browser started in the last request_ttl_s (logout cookie)');
    }
  }

  /** Each message once, on every replica: its ID is claimed for as long as it could be accepted. */
  private async claim(m: LogoutMessage, now: number): Promise<void> {
    const key = REPLAY_PREFIX + createHash('sha256').update(`${m.issuer}\n${m.kind}\n${m.id}`).digest('hex');
    const keepMs = Math.max(60_000, m.issueInstant + this.o.ttlMs + 2 * this.o.skewMs - now);
    if (!(await this.o.store.setNX(key, '1', keepMs))) throw new SamlRejected('ERR_SAML_REPLAY', `${m.kind} ID already used`);
  }
}
