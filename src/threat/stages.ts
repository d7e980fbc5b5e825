import type { Finding, RequestContext } from '../pipeline/context.js';
import { Deny } from '../pipeline/deny.js';
import type { Stage, StageOutcome } from '../pipeline/stage.js';
import { StoreUnavailableError } from '../store/types.js';
import { metrics } from '../telemetry/metrics.js';
import { botFindings } from './bot.js';
import { csrfViolation } from './csrf.js';
import { inspectValue, type ValueFinding } from './detectors/index.js';
import { EVENT_FACT, type EventAction } from './events/event.js';
import { charsetFinding, oversizeFinding, walkInputs } from './inputs.js';
import { formatIp, parseIp } from './ip/address.js';
import { findingsHeaderValue } from './risk-header.js';
import type { RouteThreat } from './route.js';
import { actionFor, riskScore, topFinding } from './scoring.js';
import type { ThreatState } from './state.js';
import { validateRequest } from './validation.js';

export const IP_FACT = 'threat.ip';
export const THROTTLE_FACT = 'threat.throttle';
export const RISK_SCORE_HEADER = 'x-portcullis-risk-score';
export const RISK_FINDINGS_HEADER = 'x-portcullis-risk-findings';

export interface PendingEvent {
  family: string; where: string; score: number; action: EventAction; mode: 'enforce' | 'detect'; findings: Finding[];
}

const SEVERITY: Record<EventAction, number> = { log: 0, throttle: 1, deny: 2, block: 2 };

/** Leave an event for onDecision (which knows the final code and identity); keep the most severe. */
export function pend(ctx: RequestContext, e: PendingEvent): void {
  const cur = ctx.facts[EVENT_FACT] as PendingEvent | undefined;
  if (cur && (SEVERITY[cur.action] > SEVERITY[e.action] || (SEVERITY[cur.action] === SEVERITY[e.action] && cur.score >= e.score))) return;
  ctx.facts[EVENT_FACT] = e;
}

/**
 * A screening or policy refusal: in enforce mode the Deny, in detect mode a finding and a logged event.
 */
function refuse(ctx: RequestContext, r: RouteThreat, deny: Deny, finding: Finding): StageOutcome {
  ctx.risk.findings.push(finding);
  pend(ctx, { family: finding.family, where: finding.where, score: 1, action: 'deny', mode: r.mode, findings: [finding] });
  return r.mode === 'enforce' ? deny : undefined;
}

const BANNED = new Deny('ERR_BANNED', 'client is temporarily banned');
const IP_BLOCKED = new Deny('ERR_IP_BLOCKED', 'client address is blocked');
const GEO_BLOCKED = new Deny('ERR_GEO_BLOCKED', 'requests from this location are not allowed');
const STORE_DOWN = new Deny('ERR_UNAVAILABLE', 'cannot check client bans right now');

/** screen: allow/block lists, threat feeds, geo, active bans. */
export function screenStage(s: ThreatState, r: RouteThreat): Stage {
  const banned = (ctx: RequestContext, until: number) =>
    refuse(ctx, r, BANNED, { family: 'ban', where: 'client', confidence: 1, detail: `banned until ${new Date(until).toISOString()}` });
  return {
    name: 'threat_screen',
    phase: 'screen',
    run(ctx) {
      const bytes = parseIp(ctx.client.ip);
      const ip = bytes ? formatIp(bytes) : ctx.client.ip;
      ctx.facts[IP_FACT] = ip;
      if (s.geo) {
        const country = s.geo.country(ip);
        if (country !== undefined) ctx.client.country = country;
      }
      if (bytes && (s.allow.has(bytes) || r.allow?.has(bytes))) { ctx.facts['threat.allowlisted'] = true; return undefined; }
      if (bytes && (s.blockList.has(bytes) || r.blockList?.has(bytes))) {
        const out = refuse(ctx, r, IP_BLOCKED, { family: 'ip', where: 'client', confidence: 1, detail: 'block list' });
        if (out) return out;
      }
      if (bytes) {
        for (const f of s.feeds) {
          const hit = f.has(bytes);
          if (hit === undefined) { metrics.failOpen.inc({ route: r.name, stage: `threat_feed:${f.cfg.name}` }); continue; }
          if (hit) { const out = refuse(ctx, r, IP_BLOCKED, { family: 'ip', where: 'client', confidence: 1, detail: `threat feed ${f.cfg.name}` }); if (out) return out; break; }
        }
      }
      if (s.geo && (r.geoAllow || r.geoDeny)) {
        const c = ctx.client.country;
        let bad = false;
        if (c === undefined) bad = r.geoAllow !== undefined && r.geoUnknown === 'deny';
        else bad = (r.geoDeny?.has(c) ?? false) || (r.geoAllow !== undefined && !r.geoAllow.has(c));
        if (bad) {
          const out = refuse(ctx, r, GEO_BLOCKED, { family: 'geo', where: 'client', confidence: 1, detail: `country ${c ?? 'unknown'}` });
          if (out) return out;
        }
      }
      if (ip === '') return undefined;
      const cached = s.bans.cached(ip);
      if (cached !== undefined) return cached > 0 ? banned(ctx, cached) : undefined;
      return s.bans.lookup(ip).then(
        (until) => (until > 0 ? banned(ctx, until) : undefined),
        (err: unknown) => {
          s.env.logger.warn({ err: (err as Error).message, unavailable: err instanceof StoreUnavailableError }, 'ban lookup failed');
          // detect mode never refuses: not even when it cannot tell (a ban would only have been logged)
          if (r.mode !== 'enforce') return undefined;
          if (s.banOnStoreError === 'deny') return STORE_DOWN;
          metrics.failOpen.inc({ route: r.name, stage: 'threat_bans' });
          return undefined;
        },
      );
    },
  };
}

/** inspect: request validation (content type, sizes, JSON Schema) → 400 with the violations. */
export function validationStage(r: RouteThreat): Stage {
  const v = r.validation!;
  return {
    name: 'threat_validation',
    phase: 'inspect',
    run(ctx) {
      const violations = validateRequest(ctx, v);
      if (violations.length === 0) return undefined;
      const tooLarge = violations.length === 1 && violations[0]!.message.startsWith('body too large');
      const code = tooLarge ? 'ERR_PAYLOAD_TOO_LARGE' : 'ERR_VALIDATION';
      const message = tooLarge ? 'request body too large' : 'request validation failed';
      const body = JSON.stringify({ error: code, message, decision_id: ctx.decisionId, violations });
      const deny = new Deny(code, message, tooLarge ? 413 : 400, undefined, body);
      const finding: Finding = { family: 'validation', where: violations[0]!.where, confidence: 1, detail: violations[0]!.message.slice(0, 160) };
      return refuse(ctx, r, deny, finding);
    },
  };
}

/** inspect: CSRF for cookie-authenticated state-changing requests. */
export function csrfStage(r: RouteThreat): Stage {
  const o = r.csrf!;
  return {
    name: 'threat_csrf',
    phase: 'inspect',
    run(ctx) {
      const why = csrfViolation(ctx, o);
      if (why === undefined) return undefined;
      return refuse(ctx, r, new Deny('ERR_CSRF', 'cross-site request refused'), { family: 'csrf', where: 'headers', confidence: 1, detail: why });
    },
  };
}

const MEMO_MAX_VALUE = 1024;
const MEMO_MAX_ENTRIES = 4096;
const THREAT_DENY_MESSAGE = 'request blocked by threat protection';

/** `scoring.min_confidence` for the bot and anomaly findings from index `from` on (the detectors apply it themselves). */
function dropWeak(findings: Finding[], from: number, min: number): void {
  let w = from;
  for (let i = from; i < findings.length; i++) if (findings[i]!.confidence >= min) findings[w++] = findings[i]!;
  findings.length = w;
}

/** inspect: injection detectors, bot and anomaly signals → risk score → block / throttle / log. */
export function detectStage(s: ThreatState, r: RouteThreat): Stage {
  const thresholds = { block: r.block, throttle: r.throttle };
  /** Header findings by header (`where`, a bounded set from the config), then by value; MEMO_MAX_ENTRIES values in all. */
  const memo = new Map<string, Map<string, ValueFinding[]>>();
  let memoSize = 0;
  const minEvent = s.minEventAction === 'log' ? 0 : s.minEventAction === 'throttle' ? 1 : 2;
  return {
    name: 'threat_detect',
    phase: 'inspect',
    run(ctx) {
      const findings = ctx.risk.findings;
      const det = r.detector;
      const lim = walkInputs(ctx, s.inputs, (where, value, header, excl) => {
        // an input the route excludes from some families: the rest (header memo entries are per `where`, so stay right)
        const opts = excl ?? det;
        let fs: ValueFinding[] | undefined;
        if (header && value.length <= MEMO_MAX_VALUE) {
          // header values (user agents above all) repeat across requests: their findings are memoised
          let byValue = memo.get(where);
          fs = byValue?.get(value);
          if (fs === undefined) {
            fs = inspectValue(value, opts);
            if (memoSize >= MEMO_MAX_ENTRIES) { memo.clear(); memoSize = 0; byValue = undefined; }
            if (byValue === undefined) memo.set(where, byValue = new Map());
            byValue.set(value, fs);
            memoSize++;
          }
        } else fs = inspectValue(value, opts);
        for (let i = 0; i < fs.length; i++) { const f = fs[i]!; findings.push({ family: f.family, where, confidence: f.confidence, detail: f.detail }); }
      }, r.exclusions);
      const cut = oversizeFinding(lim, r.partialBody);
      if (cut) findings.push(cut);
      // a body Envoy sent in part that the route reads as far as it goes: each one let through is a fail-open
      const partialThrough = lim.partialBody === true && r.partialBody === 'inspect';
      const undecodable = charsetFinding(lim);
      if (undecodable) findings.push(undecodable);
      const ip = (ctx.facts[IP_FACT] as string | undefined) ?? ctx.client.ip;
      const behaviour = findings.length;
      if (r.bot) botFindings(ctx, ip, parseIp(ip), r.bot, s.cadence, findings);
      if (r.anomaly && s.anomaly) s.anomaly.observe(ip, ctx.path, ctx.time, findings);
      dropWeak(findings, behaviour, det.minConfidence);
      const score = riskScore(findings, s.weights);
      ctx.risk.score = score;
      ctx.dynamicMetadata['threat_score'] = score;
      const action = actionFor(score, thresholds);
      if (r.upstreamHeader) {
        ctx.upstreamHeaders.push([RISK_SCORE_HEADER, String(score)]);
        if (findings.length > 0) ctx.upstreamHeaders.push([RISK_FINDINGS_HEADER, findingsHeaderValue(findings)]);
      }
      if (action === 'none') return partialOpen(partialThrough, r.name);
      const level = action === 'block' ? 2 : action === 'throttle' ? 1 : 0;
      const top = topFinding(findings, s.weights)!;
      if (level >= minEvent) pend(ctx, { family: top.family, where: top.where, score, action: action as EventAction, mode: r.mode, findings: [...findings].sort((a, b) => b.confidence - a.confidence) });
      if (r.mode !== 'enforce') return partialOpen(partialThrough, r.name);
      if (action === 'throttle') { ctx.facts[THROTTLE_FACT] = true; return partialOpen(partialThrough, r.name); }
      if (action === 'block') {
        if (r.ban && ip !== '' && ctx.facts['threat.allowlisted'] !== true) {
          s.bans.ban(ip, s.banTtlMs, `${top.family} in ${top.where} (score ${score})`).catch((err: Error) => s.env.logger.warn({ err: err.message, client_ip: ip }, 'could not store the ban'));
        }
        return new Deny('ERR_THREAT', THREAT_DENY_MESSAGE);
      }
      return partialOpen(partialThrough, r.name);
    },
  };
}

/** The detect stage lets a request through: one with a body Envoy sent in part (`partial_body: inspect`) is counted as a fail-open. */
function partialOpen(partial: boolean, route: string): undefined {
  if (partial) metrics.failOpen.inc({ route, stage: 'threat_partial_body' });
  return undefined;
}
