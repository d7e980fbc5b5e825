import type { Finding, RequestContext } from '../../pipeline/context.js';

export type EventAction = 'block' | 'throttle' | 'log' | 'deny';

/** One security event, as every sink receives it. Never carries a raw payload, token or cookie. */
export interface SecurityEvent {
  time: string;
  client_ip: string;
  country?: string;
  route: string;
  identity?: { kind: string; subject: string; issuer?: string };
  /** Family of the finding that drove the decision (sqli, xss, …, ip, geo, ban, csrf, validation). */
  family: string;
  where: string;
  score: number;
  action: EventAction;
  /** enforce: the action was taken; detect: it was only logged. */
  mode: 'enforce' | 'detect';
  code: string;
  decision_id: string;
  request_id: string;
  method: string;
  path: string;
  findings: Array<{ family: string; where: string; confidence: number; detail?: string }>;
}

export const MAX_EVENT_FINDINGS = 16;

export function makeEvent(ctx: RequestContext, e: { family: string; where: string; score: number; action: EventAction; mode: 'enforce' | 'detect'; code: string; findings: readonly Finding[] }): SecurityEvent {
  return {
    time: new Date(ctx.time).toISOString(),
    client_ip: ctx.client.ip,
    country: ctx.client.country,
    route: ctx.route,
    family: e.family,
    where: e.where.slice(0, 128),
    score: e.score,
    action: e.action,
    mode: e.mode,
    code: e.code,
    decision_id: ctx.decisionId,
    request_id: ctx.requestId.slice(0, 128),
    method: ctx.method.slice(0, 32),
    path: ctx.path.slice(0, 256),
    findings: e.findings.slice(0, MAX_EVENT_FINDINGS).map((f) => ({
      family: f.family, where: f.where.slice(0, 128), confidence: Math.round(f.confidence * 1000) / 1000,
      detail: f.detail?.slice(0, 160),
    })),
  };
}

/** The pending event a stage left on the context; emitted once the decision (and identity) is known. */
export const EVENT_FACT = 'threat.event';
