import type { Identity, RequestContext } from '../pipeline/context.js';
import { Deny } from '../pipeline/deny.js';
import type { Stage, StageOutcome } from '../pipeline/stage.js';
import { rawParamNames } from '../pipeline/query.js';
import { metrics } from '../telemetry/metrics.js';
import { AuthFailure, fail, type CredentialKind } from './failure.js';
import type { Forwarder } from './forwarding.js';
import { identityMetrics } from './metrics.js';
import type { RevocationList } from './revocation.js';
import type { FoundToken } from './token-source.js';
import type { CredentialVerifier, Verified, VerifyOutcome } from './verifier.js';
import { challenge, challenges } from './www-authenticate.js';

export interface IdentifyOptions {
  route: string;
  verifiers: CredentialVerifier[];
  allowAnonymous: boolean;
  realm: string;
  forwarder: Forwarder;
  stripCredential: boolean;
  revocations?: RevocationList;
  /** Revocation list never loaded: true lets credentials through (counted), false answers 503. */
  revocationFailOpen: boolean;
}

const ANONYMOUS: Identity = Object.freeze({ kind: 'anonymous', subject: '', roles: [], claims: {} }) as Identity;

interface Run { firstHard?: AuthFailure; softFailOpen?: AuthFailure }

/**
 * The identify phase for one route: the accepted kinds in order; absent credentials are skipped; the
 * first present credential that verifies (and is not revoked) wins. A credential that is present but
 * fails is never turned into anonymous access: if nothing verifies, the first failure is the answer
 * (401 + WWW-Authenticate of its kind). No credential at all: anonymous if the route allows it, else 401
 * with a challenge per accepted kind.
 */
export function identifyStage(o: IdentifyOptions): Stage {
  const kinds = o.verifiers.map((v) => v.kind);
  const extraByKind = new Map<CredentialKind, Record<string, string>>();
  for (const v of o.verifiers) if (v.challengeHeaders) extraByKind.set(v.kind, v.challengeHeaders());
  const allExtra = Object.assign({}, ...extraByKind.values()) as Record<string, string>;
  const unauthenticated = new Deny('ERR_UNAUTHENTICATED', 'authentication required', 401, { 'www-authenticate': challenges(kinds, o.realm), ...allExtra });
  const denies = new Map<AuthFailure, Deny>();

  const denyFor = (f: AuthFailure): Deny => {
    let d = denies.get(f);
    if (d === undefined) {
      const headers: Record<string, string> = f.status === 503 ? {} : { 'www-authenticate': challenge(f.kind, o.realm, f.code), ...extraByKind.get(f.kind) };
      d = new Deny(f.code, f.message, f.status, headers);
      if (denies.size < 512) denies.set(f, d);
    }
    return d;
  };

  const accept = (ctx: RequestContext, v: Verified, presented: unknown): StageOutcome => {
    ctx.identity = v.identity;
    o.forwarder.apply(ctx, v.identity);
    if (o.stripCredential && presented !== null && typeof presented === 'object' && 'where' in (presented as object)) {
      const f = presented as FoundToken;
      if (f.header !== undefined) ctx.upstreamHeadersToRemove.push(f.header);
      if (f.queryParam !== undefined) ctx.queryParamsToRemove.push(...rawParamNames(ctx.rawQuery, f.queryParam));
    }
    return undefined;
  };

  /** After a verifier said yes: revocation (in memory; waits only for the very first load). */
  const revocationCheck = (v: Verified): AuthFailure | undefined | Promise<AuthFailure | undefined> => {
    const list = o.revocations;
    if (list === undefined) return undefined;
    const judge = (): AuthFailure | undefined =>
      list.isRevoked(v) ? fail(v.identity.kind as CredentialKind, v.identity.kind === 'api_key' ? 'ERR_API_KEY_REVOKED' : 'ERR_TOKEN_REVOKED') : undefined;
    if (list.ready()) return judge();
    return list.whenSynced().then((ok) => {
      if (ok) return judge();
      if (o.revocationFailOpen) { metrics.failOpen.inc({ route: o.route, stage: 'identity_revocation' }); return undefined; }
      return fail(v.identity.kind as CredentialKind, 'ERR_IDENTITY_UNAVAILABLE');
    });
  };

  const redirector = o.verifiers.find((v) => v.loginRedirect !== undefined);

  const finish = (ctx: RequestContext, st: Run): StageOutcome | Promise<StageOutcome> => {
    // a browser with no (or a dead) session is sent to sign in; a failed token of another kind is not
    if (redirector !== undefined && (st.firstHard === undefined ? st.softFailOpen === undefined && !o.allowAnonymous : st.firstHard.kind === redirector.kind && st.firstHard.status === 401)) {
      const r = redirector.loginRedirect!(ctx);
      if (r !== undefined) return r;
    }
    if (st.firstHard !== undefined) return denyFor(st.firstHard);
    if (st.softFailOpen !== undefined) {
      metrics.failOpen.inc({ route: o.route, stage: 'identity' });
      ctx.facts.identity_fail_open = st.softFailOpen.code;
      ctx.identity = ANONYMOUS;
      o.forwarder.apply(ctx, ANONYMOUS);
      return undefined;
    }
    if (o.allowAnonymous) {
      ctx.identity = ANONYMOUS;
      o.forwarder.apply(ctx, ANONYMOUS);
      return undefined;
    }
    return unauthenticated;
  };

  const record = (st: Run, f: AuthFailure): void => {
    identityMetrics.verifications.inc({ kind: f.kind, result: f.code });
    if (f.failOpen) st.softFailOpen ??= f;
    else st.firstHard ??= f;
  };

  const NEXT = Symbol('next');
  type Decided = typeof NEXT | StageOutcome;

  /** One verifier's answer → accept (undefined), or NEXT to try the following kind. */
  const decide = (ctx: RequestContext, st: Run, r: VerifyOutcome, presented: unknown): Decided | Promise<Decided> => {
    if (r instanceof AuthFailure) { record(st, r); return NEXT; }
    const ok = (): StageOutcome => { identityMetrics.verifications.inc({ kind: r.identity.kind, result: 'OK' }); return accept(ctx, r, presented); };
    const rc = revocationCheck(r);
    if (rc instanceof Promise) return rc.then((f) => { if (f === undefined) return ok(); record(st, f); return NEXT; });
    if (rc === undefined) return ok();
    record(st, rc);
    return NEXT;
  };

  const resume = (ctx: RequestContext, i: number, st: Run, d: Decided): StageOutcome | Promise<StageOutcome> =>
    d === NEXT ? step(ctx, i + 1, st) : d;

  /** Synchronous until a verifier needs I/O; then continues in the promise. */
  const step = (ctx: RequestContext, from: number, st: Run): StageOutcome | Promise<StageOutcome> => {
    for (let i = from; i < o.verifiers.length; i++) {
      const v = o.verifiers[i]!;
      const presented = v.extract(ctx);
      if (presented === undefined) continue;
      if (presented instanceof AuthFailure) { record(st, presented); continue; }
      const r = v.verify(ctx, presented);
      if (r instanceof Promise) return r.then((res) => decide(ctx, st, res, presented)).then((d) => resume(ctx, i, st, d));
      const d = decide(ctx, st, r, presented);
      if (d instanceof Promise) return d.then((x) => resume(ctx, i, st, x));
      if (d !== NEXT) return d;
    }
    return finish(ctx, st);
  };

  return {
    name: 'identity',
    phase: 'identify',
    run(ctx) {
      return step(ctx, 0, {});
    },
  };
}

/**
 * The paths a credential kind answers itself (the SAML ACS, logout, metadata), in the screen phase: after
 * the IP lists, bans and geo of the threat module, before its injection detectors. Those requests are never
 * forwarded (the SAMLResponse is a signed base64 XML document a detector would only misread), and a
 * browser must be able to finish signing in on a route that inspects everything else.
 */
export function endpointsStage(verifiers: readonly CredentialVerifier[]): Stage | undefined {
  const interceptors = verifiers.filter((v) => v.intercept !== undefined);
  if (interceptors.length === 0) return undefined;
  return {
    name: 'identity_endpoints',
    phase: 'screen',
    run(ctx) {
      for (const v of interceptors) {
        const r = v.intercept!(ctx);
        if (r !== undefined) return r;
      }
      return undefined;
    },
  };
}
