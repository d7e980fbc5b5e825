import type { Logger } from 'pino';
import { metrics } from '../telemetry/metrics.js';
import { buildContext, emptyContext } from './context-builder.js';
import type { RequestContext } from './context.js';
import type { Decision } from './decision.js';
import { BadRequestError, Deny } from './deny.js';
import { toCheckResponse } from './respond.js';
import { runPipeline } from './runner.js';
import type { Runtime } from './runtime.js';

/**
 * One Check: CheckRequest → context → route → stages → Decision → CheckResponse.
 * Never throws: any failure is a deny with a reason code.
 */
export async function check(rt: Runtime, req: unknown, logger: Logger): Promise<any> {
  const started = process.hrtime.bigint();
  metrics.inflight.inc();
  let ctx: RequestContext | undefined;
  let decision: Decision;
  try {
    ctx = buildContext(req, rt.contextOptions);
    const route = rt.table.match(ctx);
    if (route === undefined) {
      ctx.route = '(none)';
      decision = rt.noRoute
        ? { allowed: false, code: rt.noRoute.code, deny: rt.noRoute, stage: 'route', ctx, seconds: 0 }
        : { allowed: true, code: 'OK', ctx, seconds: 0 };
    } else {
      ctx.route = route.name;
      const r = await runPipeline(route, ctx);
      if (r.error !== undefined) logger.error({ err: r.error, stage: r.stage, route: route.name, request_id: ctx.requestId, decision_id: ctx.decisionId }, 'stage failed');
      decision = r.deny
        ? { allowed: false, code: r.deny.code, deny: r.deny, stage: r.stage, ctx, seconds: 0 }
        : { allowed: true, code: 'OK', ctx, seconds: 0, failOpen: r.failOpenStage !== undefined, stage: r.failOpenStage };
    }
  } catch (err) {
    ctx ??= emptyContext();
    ctx.route ||= '(none)';
    const deny = err instanceof BadRequestError
      ? new Deny(err.code, err.message)
      : new Deny('ERR_INTERNAL', 'internal error while evaluating the request');
    if (!(err instanceof BadRequestError)) logger.error({ err, request_id: ctx.requestId, decision_id: ctx.decisionId }, 'check failed');
    decision = { allowed: false, code: deny.code, deny, stage: 'request', ctx, seconds: 0 };
  }
  let response: any;
  try {
    response = toCheckResponse(decision, rt.owned);
  } catch (err) {
    logger.error({ err, decision_id: decision.ctx.decisionId }, 'building the response failed');
    const deny = new Deny('ERR_INTERNAL', 'internal error while building the response');
    decision = { allowed: false, code: deny.code, deny, stage: 'respond', ctx: emptyContext(decision.ctx.decisionId), seconds: 0 };
    response = toCheckResponse(decision, rt.owned);
  }
  decision.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  metrics.inflight.dec();
  record(rt, decision, logger);
  return response;
}

/**
 * The `decision` label: allow (forwarded upstream), deny (refused: an ERR_* code), redirect (Portcullis's
 * own answer in a sign-in or sign-out flow — the SAML_* redirects to and from the IdP, the SP metadata):
 * ordinary logins are not denials and stay out of the deny ratio.
 */
export function decisionLabel(d: Decision): 'allow' | 'deny' | 'redirect' {
  if (d.allowed) return 'allow';
  return d.code.startsWith('ERR_') ? 'deny' : 'redirect';
}

function record(rt: Runtime, d: Decision, logger: Logger): void {
  const label = decisionLabel(d);
  metrics.checks.inc({ decision: label, code: d.code, route: d.ctx.route });
  metrics.checkDuration.observe({ decision: label }, d.seconds);
  if (!d.allowed || rt.logAllows || logger.isLevelEnabled('debug')) {
    const line = {
      request_id: d.ctx.requestId, decision_id: d.ctx.decisionId, route: d.ctx.route, decision: label, code: d.code,
      stage: d.stage, method: d.ctx.method, path: d.ctx.path, client_ip: d.ctx.client.ip,
      subject: d.ctx.identity?.subject, ms: Math.round(d.seconds * 1e6) / 1e3, fail_open: d.failOpen || undefined,
    };
    if (!d.allowed || rt.logAllows) logger.info(line, 'decision'); else logger.debug(line, 'decision');
  }
  for (const m of rt.modules.values()) {
    if (m.onDecision) {
      try { m.onDecision(d); } catch (err) { logger.warn({ err }, 'decision listener failed'); }
    }
  }
}
