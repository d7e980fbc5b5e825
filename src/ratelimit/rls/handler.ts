import type { HeaderPair } from '../../pipeline/context.js';
import { metrics } from '../../telemetry/metrics.js';
import type { DescriptorNode, Entry } from '../envoy-config/domain.js';
import { matchDescriptor } from '../envoy-config/domain.js';
import { isCredentialKey } from '../envoy-config/extensions.js';
import { descriptorHits, requestHits } from './hits-addend.js';
import type { ConfigState } from '../envoy-config/watcher.js';
import { rateLimitHeaders, seconds, type HeaderFormat, type QuotaPolicy } from '../headers.js';
import { bounded, part } from '../keys.js';
import type { Limiter } from '../limiter.js';
import { rlMetrics } from '../metrics.js';
import type { FailureMode, Hit, LimitRule, Verdict } from '../rule.js';
import { describePeriod, isStandardUnit, periodMs, protoUnit, unitFromProto } from '../units.js';

const UINT32_MAX = 4_294_967_295;
const MAX_OVERRIDE_RULES = 1000;
/**
 * Distinct descriptor labels (`override:<entry keys>`) for override limits: the keys come from the caller,
 * so past this many the rest share `override:(other)` and metric label sets stay bounded.
 */
export const MAX_OVERRIDE_LABELS = 100;
export const OTHER_OVERRIDE = 'override:(other)';
/** Envoy sends a handful; a request with more is refused rather than turned into a huge store call. */
const MAX_DESCRIPTORS = 256;

/**
 * A request envoyproxy/ratelimit answers with a gRPC error (Envoy then applies failure_mode_deny). The
 * caller's mistake, not the service's: the gRPC server answers INVALID_ARGUMENT with the message.
 */
export class RlsRequestError extends Error {
  /** grpc.status.INVALID_ARGUMENT (src/server/grpc.ts honours `grpcStatus` on a rejection). */
  readonly grpcStatus = 3;
}

export interface RlsSettings {
  headers: HeaderFormat;
  /** envoyproxy/ratelimit SHADOW_MODE: answer OK whatever the limits say (still counted). */
  globalShadowMode: boolean;
  failureMode: FailureMode;
}

interface Matched { rule?: LimitRule; unlimited: boolean; limit: number; redact: boolean }

/**
 * envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit with envoyproxy/ratelimit's answers:
 * each descriptor is matched against its domain's config, `replaces` drops named limits, unlimited
 * descriptors answer OK with limit_remaining = 2^32-1, the rest go to the limiter in one store call
 * (counting every hit, like envoyproxy/ratelimit: each descriptor its own hits_addend when it has one,
 * else the request's; see hits-addend.ts). An unknown domain is OK with no
 * limits (counted). Request and response are proto-loader objects (keepCase, enums as strings).
 */
export class RlsHandler {
  private readonly overrides = new Map<string, LimitRule>();
  private readonly overrideLabels = new Set<string>();

  constructor(private readonly state: ConfigState, private readonly limiter: Limiter, private readonly s: RlsSettings) {}

  handle(req: any): any | Promise<any> {
    const domainName = typeof req?.domain === 'string' ? req.domain : '';
    if (domainName === '') throw new RlsRequestError('rate limit domain must not be empty');
    const descriptors: any[] = Array.isArray(req.descriptors) ? req.descriptors : [];
    if (descriptors.length === 0) throw new RlsRequestError('rate limit descriptor list must not be empty');
    if (descriptors.length > MAX_DESCRIPTORS) throw new RlsRequestError(`too many descriptors (${descriptors.length} > ${MAX_DESCRIPTORS})`);
    const domain = this.state.current.domains.get(domainName);
    if (domain === undefined) {
      rlMetrics.unknownDomain.inc();
      rlMetrics.requests.inc({ code: 'OK' });
      return { overall_code: 'OK', statuses: descriptors.map(() => ({ code: 'OK' })) };
    }
    const hitsAddend = requestHits(req.hits_addend);
    const matched: Matched[] = new Array(descriptors.length);
    const keys: string[] = new Array(descriptors.length);
    let replacing: Set<string> | undefined;
    for (let i = 0; i < descriptors.length; i++) {
      const d = descriptors[i] ?? {};
      const entries: Entry[] = Array.isArray(d.entries)
        ? d.entries.map((e: any) => ({ key: String(e?.key ?? ''), value: String(e?.value ?? '') }))
        : [];
      keys[i] = counterKey(domainName, entries);
      const override = this.override(domainName, entries, d.limit);
      if (override) { matched[i] = { rule: override, unlimited: false, limit: override.requestsPerUnit, redact: entries.some((e) => isCredentialKey(e.key)) }; continue; }
      const node: DescriptorNode | undefined = matchDescriptor(domain, entries);
      if (node === undefined) { matched[i] = { unlimited: false, limit: 0, redact: false }; continue; }
      if (node.replaces.length > 0) { replacing ??= new Set(); for (const r of node.replaces) replacing.add(r); }
      matched[i] = { rule: node.rule, unlimited: node.unlimited, limit: node.rule?.requestsPerUnit ?? 0, redact: node.redact };
    }
    if (replacing) {
      for (const m of matched) if (m.rule && m.rule.name !== '' && replacing.has(m.rule.name)) { m.rule = undefined; m.unlimited = false; }
    }
    const hits: Hit[] = [];
    const hitIndex: number[] = new Array(descriptors.length).fill(-1);
    for (let i = 0; i < matched.length; i++) {
      const m = matched[i]!;
      if (m.rule === undefined || m.unlimited) continue;
      hitIndex[i] = hits.length;
      hits.push({ rule: m.rule, key: keys[i]!, limit: m.limit, hits: descriptorHits(descriptors[i]?.hits_addend, hitsAddend), redact: m.redact });
    }
    if (hits.length === 0) return this.respond(matched, hitIndex, hits, []);
    const v = this.limiter.decide(hits, 'independent');
    return Array.isArray(v) ? this.respond(matched, hitIndex, hits, v) : v.then((r) => this.respond(matched, hitIndex, hits, r));
  }

  private respond(matched: Matched[], hitIndex: number[], hits: Hit[], verdicts: Verdict[]): any {
    let overall = 'OK';
    let chosen = -1;
    let chosenRemaining = Infinity;
    let chosenOver = false;
    let failOpen = false;
    const statuses = matched.map((m, i) => {
      const j = hitIndex[i]!;
      if (j < 0) return m.unlimited ? { code: 'OK', limit_remaining: UINT32_MAX } : { code: 'OK' };
      const hit = hits[j]!;
      const v = verdicts[j]!;
      if (v.source === 'fail_open') failOpen = true;
      const over = v.over && !hit.rule.shadowMode;
      if (over) overall = 'OVER_LIMIT';
      const remaining = v.over ? 0 : Math.min(v.remaining, UINT32_MAX);
      // headers: within limits, the first descriptor with the fewest requests left (Envoy's and envoyproxy/ratelimit's
      // choice); over limit, the over-limit one that resets last, so a retry after its Retry-After can succeed
      if (over ? !chosenOver || v.retryAfterMs > verdicts[chosen]!.retryAfterMs : !chosenOver && remaining < chosenRemaining) {
        chosen = j; chosenRemaining = remaining; chosenOver = over;
      }
      return {
        code: over ? 'OVER_LIMIT' : 'OK',
        current_limit: currentLimit(hit.rule, hit.limit),
        limit_remaining: remaining,
        duration_until_reset: untilReset(hit.rule, v),
      };
    });
    if (overall === 'OVER_LIMIT' && this.s.globalShadowMode) {
      overall = 'OK';
      // the hits whose OVER_LIMIT it turned into OK (not the ones within their limits)
      for (let j = 0; j < hits.length; j++) {
        const h = hits[j]!;
        if (verdicts[j]!.over && !h.rule.shadowMode) rlMetrics.shadowMode.inc({ domain: h.rule.domain, descriptor: '(global shadow_mode)' }, h.hits);
      }
    }
    rlMetrics.requests.inc({ code: overall });
    // allowed although a limit could not be checked: counted with every other fail-open (no route here;
    // the stage names the configured domain)
    if (failOpen && overall === 'OK') metrics.failOpen.inc({ route: '', stage: `should_rate_limit:${hits[0]!.rule.domain}` });
    const response: any = { overall_code: overall, statuses };
    if (chosen >= 0) {
      const hit = hits[chosen]!;
      const v = verdicts[chosen]!;
      const headers: HeaderPair[] = this.s.headers === 'none' && overall === 'OK' ? [] : rateLimitHeaders(this.s.headers, {
        policy: hit.rule.name || hit.rule.descriptor,
        limit: hit.limit,
        remaining: v.over ? 0 : v.remaining,
        resetMs: v.over ? v.retryAfterMs : v.resetMs,
        windowMs: periodMs(hit.rule.period),
        // x-ratelimit: every status with a current_limit, in order, named as that current_limit (as Envoy lists them)
        policies: this.s.headers === 'x-ratelimit' ? quotaPolicies(statuses, matched, hitIndex, hits) : undefined,
      }, overall === 'OVER_LIMIT' ? v.retryAfterMs : undefined);
      if (headers.length > 0) response.response_headers_to_add = headers.map(([key, value]) => ({ key, value }));
    }
    return response;
  }

  /** The descriptor's own limit (Envoy route config `limit:` override), envoyproxy/ratelimit style. */
  private override(domain: string, entries: Entry[], limit: any): LimitRule | undefined {
    if (!limit || typeof limit !== 'object') return undefined;
    const unit = unitFromProto(limit.unit);
    const rpu = Number(limit.requests_per_unit ?? 0);
    if (unit === undefined || !Number.isInteger(rpu) || rpu < 0 || rpu > UINT32_MAX) return undefined; // uint32 on the wire
    let descriptor = `override:${entries.map((e) => e.key).join('.')}`;
    if (!this.overrideLabels.has(descriptor)) {
      if (this.overrideLabels.size < MAX_OVERRIDE_LABELS && descriptor.length <= 256) this.overrideLabels.add(descriptor);
      else descriptor = OTHER_OVERRIDE;
    }
    const id = `${domain}\u0000${descriptor}\u0000${rpu}\u0000${unit}`;
    let rule = this.overrides.get(id);
    if (rule === undefined) {
      rule = {
        domain, descriptor, name: '', requestsPerUnit: rpu, period: { unit, multiplier: 1 }, algorithm: 'fixed_window',
        burst: 0, shadowMode: false, failureMode: this.s.failureMode, detailed: false,
      };
      if (this.overrides.size < MAX_OVERRIDE_RULES) this.overrides.set(id, rule);
    }
    return rule;
  }
}

/** Counter identity: the domain and the request's entries (values included), as envoyproxy/ratelimit keys them. */
export function counterKey(domain: string, entries: readonly Entry[]): string {
  let k = part(domain);
  for (const e of entries) k += `|${part(e.key)}=${part(e.value)}`;
  return bounded(k);
}

function quotaPolicies(statuses: any[], matched: Matched[], hitIndex: number[], hits: Hit[]): QuotaPolicy[] {
  const out: QuotaPolicy[] = [];
  for (let i = 0; i < matched.length; i++) {
    const j = hitIndex[i]!;
    if (j < 0) continue;
    const hit = hits[j]!;
    out.push({ limit: hit.limit, windowMs: periodMs(hit.rule.period), name: statuses[i].current_limit.name });
  }
  return out;
}

function currentLimit(rule: LimitRule, limit: number): any {
  const out: any = { requests_per_unit: limit, unit: protoUnit(rule.period.unit) };
  // envoyproxy/ratelimit sends no name; extension periods get one that says the real window
  if (rule.period.multiplier !== 1 || !isStandardUnit(rule.period.unit)) out.name = rule.name || describePeriod(limit, rule.period);
  return out;
}

function untilReset(rule: LimitRule, v: Verdict): { seconds: number; nanos: number } {
  const ms = v.over ? v.retryAfterMs : v.resetMs;
  if (rule.algorithm === 'fixed_window') return { seconds: seconds(ms), nanos: 0 };
  const whole = Math.floor(ms / 1000);
  return { seconds: whole, nanos: Math.round((ms - whole * 1000) * 1e6) };
}
