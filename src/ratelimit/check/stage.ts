import type { HeaderPair, RequestContext } from '../../pipeline/context.js';
import { Deny } from '../../pipeline/deny.js';
import type { Stage, StageOutcome } from '../../pipeline/stage.js';
import { metrics } from '../../telemetry/metrics.js';
import { rateLimitHeaders, type HeaderFormat, type QuotaPolicy } from '../headers.js';
import { bounded, part } from '../keys.js';
import type { Limiter } from '../limiter.js';
import { rlMetrics } from '../metrics.js';
import type { Hit, Verdict } from '../rule.js';
import { periodMs } from '../units.js';
import type { CompiledLimit } from './limits.js';

export const THROTTLE_FACT = 'threat.throttle';

/**
 * The `limit` phase of a route: every configured limit keyed from the request (client IP, identity
 * subject, API-key plan, route, a header), all checked and consumed in one store call, all-or-nothing
 * (a request refused by one limit consumes none of the others). Over a limit: 429 with Retry-After and
 * the rate-limit headers. Fills ctx.limits; on allow the tightest limit's headers go to the client.
 * A limit whose key is missing from the request (no identity, no header) does not apply (counted).
 */
export class LimitStage implements Stage {
  readonly name = 'ratelimit';
  readonly phase = 'limit' as const;

  constructor(private readonly limits: CompiledLimit[], private readonly limiter: Limiter, private readonly headers: HeaderFormat) {}

  run(ctx: RequestContext): StageOutcome | Promise<StageOutcome> {
    const throttled = ctx.facts[THROTTLE_FACT] === true;
    const hits: Hit[] = [];
    for (const l of this.limits) {
      let key = l.prefix;
      let missing = false;
      for (const p of l.parts) {
        const v = p(ctx);
        if (v === undefined) { missing = true; break; }
        key += `|${part(v)}`;
      }
      if (missing) { rlMetrics.skipped.inc({ domain: l.rule.domain, descriptor: l.rule.descriptor }); continue; }
      let limit = l.rule.requestsPerUnit;
      const plan = l.plans && ctx.identity?.plan;
      if (plan) limit = l.plans!.get(plan) ?? limit;
      const normalLimit = limit;
      if (throttled && l.throttled !== undefined) limit = Math.min(limit, l.throttled);
      const hit: Hit = { rule: l.rule, key: bounded(key), limit, hits: l.hits, redact: l.redact };
      if (limit < normalLimit) hit.normalLimit = normalLimit;
      hits.push(hit);
    }
    if (hits.length === 0) return undefined;
    const v = this.limiter.decide(hits, 'all');
    return Array.isArray(v) ? this.apply(ctx, hits, v) : v.then((r) => this.apply(ctx, hits, r));
  }

  private apply(ctx: RequestContext, hits: Hit[], verdicts: Verdict[]): StageOutcome {
    let over = -1;
    let closed = -1;
    let tightest = -1;
    let failOpen = false;
    for (let i = 0; i < hits.length; i++) {
      const h = hits[i]!;
      const v = verdicts[i]!;
      if (v.source === 'skipped') continue;
      ctx.limits.push({ name: h.rule.name, limit: h.limit, remaining: v.remaining, resetMs: v.resetMs, overLimit: v.over });
      if (v.source === 'fail_open') failOpen = true;
      if (v.over && h.rule.shadowMode) {
        ctx.shadowDenies.push(this.deny(h, v, hits, verdicts));
        metrics.shadowDenies.inc({ route: ctx.route, stage: this.name, code: 'ERR_RATE_LIMITED' });
        continue;
      }
      if (v.over) {
        // the one that resets last: a retry after its Retry-After can pass every limit
        if (v.source === 'fail_closed') { if (closed < 0) closed = i; } else if (over < 0 || v.retryAfterMs > verdicts[over]!.retryAfterMs) over = i;
        continue;
      }
      if (v.source !== 'fail_open' && (tightest < 0 || v.remaining < verdicts[tightest]!.remaining)) tightest = i;
    }
    if (failOpen) metrics.failOpen.inc({ route: ctx.route, stage: this.name });
    if (over >= 0) return this.deny(hits[over]!, verdicts[over]!, hits, verdicts);
    if (closed >= 0) {
      return new Deny('ERR_UNAVAILABLE', 'rate limiter unavailable', 503, { 'retry-after': '1' });
    }
    if (tightest >= 0 && this.headers !== 'none') ctx.responseHeaders.push(...this.headerPairs(hits[tightest]!, verdicts[tightest]!, hits, verdicts));
    return undefined;
  }

  private deny(h: Hit, v: Verdict, hits?: Hit[], verdicts?: Verdict[]): Deny {
    const headers: Record<string, string> = {};
    for (const [k, val] of this.headerPairs(h, v, hits, verdicts, v.retryAfterMs)) headers[k] = val;
    return new Deny('ERR_RATE_LIMITED', `rate limit exceeded (${h.rule.name})`, 429, headers);
  }

  private headerPairs(h: Hit, v: Verdict, hits?: Hit[], verdicts?: Verdict[], retryAfterMs?: number): HeaderPair[] {
    return rateLimitHeaders(this.headers, {
      policy: h.rule.name, limit: h.limit, remaining: v.over ? 0 : v.remaining,
      resetMs: v.over ? v.retryAfterMs : v.resetMs, windowMs: periodMs(h.rule.period),
      // x-ratelimit lists every limit that applied (not the skipped ones), as Envoy's ratelimit filter does
      policies: this.headers === 'x-ratelimit' && hits && verdicts ? quotaPolicies(hits, verdicts) : undefined,
    }, retryAfterMs);
  }
}

function quotaPolicies(hits: Hit[], verdicts: Verdict[]): QuotaPolicy[] {
  const out: QuotaPolicy[] = [];
  for (let i = 0; i < hits.length; i++) {
    if (verdicts[i]!.source === 'skipped') continue;
    const h = hits[i]!;
    out.push({ limit: h.limit, windowMs: periodMs(h.rule.period), name: h.rule.name });
  }
  return out;
}
