import { ConfigError } from '../config/errors.js';
import type { ModuleEnv, ModuleInstance, PortcullisModule, RouteInfo } from '../modules/module.js';
import type { Decision } from '../pipeline/decision.js';
import type { Stage } from '../pipeline/stage.js';
import { banAdminRoutes } from './admin.js';
import { threatGlobalSchema, threatRouteSchema, type ThreatGlobalConfig, type ThreatRouteConfig } from './config.js';
import { EVENT_FACT, makeEvent } from './events/event.js';
import { compileRoute } from './route.js';
import { csrfStage, detectStage, IP_FACT, RISK_FINDINGS_HEADER, RISK_SCORE_HEADER, screenStage, validationStage, type PendingEvent } from './stages.js';
import { ThreatState } from './state.js';

/**
 * Threat protection: the `screen` phase (IP allow/block lists, threat feeds, geo, active bans) and the
 * `inspect` phase (request validation, CSRF, injection detectors, bots, anomalies → risk score → block,
 * throttle or log), with security events to file/webhook/syslog sinks.
 */
export class ThreatModule implements ModuleInstance<ThreatRouteConfig> {
  constructor(readonly state: ThreatState) {}

  stages(route: ThreatRouteConfig | undefined, info: RouteInfo): Stage[] {
    if (route === undefined && !this.state.configured) return [];
    if (route?.mode === 'off') return [];
    const r = compileRoute(this.state, route ?? {}, info);
    const out: Stage[] = [screenStage(this.state, r)];
    if (r.validation) out.push(validationStage(r));
    if (r.csrf) out.push(csrfStage(r));
    out.push(detectStage(this.state, r));
    return out;
  }

  ownedHeaders(): string[] { return [RISK_SCORE_HEADER, RISK_FINDINGS_HEADER]; }

  ready(): boolean { return this.state.ready(); }

  adminRoutes() { return banAdminRoutes(this.state); }

  onDecision(d: Decision): void {
    const ctx = d.ctx;
    const s = this.state;
    if (!d.allowed && d.deny?.status === 401 && s.anomaly) s.anomaly.authFailure((ctx.facts[IP_FACT] as string | undefined) ?? ctx.client.ip, ctx.time);
    const pending = ctx.facts[EVENT_FACT] as PendingEvent | undefined;
    if (!pending) return;
    const ev = makeEvent(ctx, { ...pending, code: d.code });
    if (ctx.identity && ctx.identity.kind !== 'anonymous') ev.identity = { kind: ctx.identity.kind, subject: ctx.identity.subject.slice(0, 256), issuer: ctx.identity.issuer };
    s.events.emit(ev);
    if (s.logEvents) s.env.logger.warn({ security_event: ev }, 'security event');
  }

  async start(): Promise<void> { await this.state.start(); }

  /** `deadline` (shutdown: now + drain_timeout_ms): the sinks deliver what is queued until then. */
  async close(deadline?: number): Promise<void> { await this.state.close(deadline); }
}

export const threatModule: PortcullisModule<ThreatGlobalConfig, ThreatRouteConfig> = {
  key: 'threat',
  globalSchema: threatGlobalSchema,
  routeSchema: threatRouteSchema,
  async create(global: ThreatGlobalConfig | undefined, env: ModuleEnv): Promise<ThreatModule> {
    const state = new ThreatState(global ?? {}, env, global !== undefined);
    // files are read before the first Check: a missing feed file or geo database is a config error
    for (let i = 0; i < state.feeds.length; i++) {
      const f = state.feeds[i]!;
      if (f.loaded || /^https?:\/\//i.test(f.cfg.source)) continue;
      await f.refresh();
      if (!f.loaded) throw new ConfigError(`/threat/feeds/${i}/file`, `cannot load threat feed: ${f.lastError ?? 'unknown error'}`);
    }
    if (state.geo && !state.geo.loaded) {
      try { await state.geo.load(); } catch (err) { throw new ConfigError('/threat/geo/database', `cannot open MaxMind database: ${(err as Error).message}`); }
    }
    return new ThreatModule(state);
  },
};
