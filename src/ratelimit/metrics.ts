import client from 'prom-client';
import { FAST_BUCKETS, counter, gauge, histogram, registry } from '../telemetry/metrics.js';
import type { LimitRule } from './rule.js';

/**
 * Rate-limit metrics. Labels are bounded: `domain` is a configured domain (or "check"), `descriptor` a
 * configured descriptor path or limit name — never a request value (those go to the bounded top-offenders
 * view on the admin port).
 */
const L = ['domain', 'descriptor'] as const;

/**
 * Per-limit hit counts, kept in plain numbers on the hot path (no label hashing per request) and added to
 * the Prometheus counters when they are scraped. One tally per (domain, descriptor), shared by the rule
 * objects of successive config loads.
 */
export interface Tally { hits: number; over: number; near: number; within: number; nearCache: number; shadow: number }
type Field = keyof Tally;

const tallies = new Map<string, { labels: { domain: string; descriptor: string }; t: Tally; flushed: Tally }>();
const byRule = new WeakMap<LimitRule, Tally>();
/**
 * Backstop on (domain, descriptor) series: descriptors are configured (and override labels bounded by the
 * RLS handler), but tallies outlive config loads; past this many, new ones count under descriptor "(other)".
 */
export const MAX_TALLIES = 10_000;

/** Distinct (domain, descriptor) series being counted. */
export function tallyCount(): number { return tallies.size; }

export function ruleMetrics(rule: LimitRule): Tally {
  let t = byRule.get(rule);
  if (t === undefined) {
    let id = `${rule.domain}\u0000${rule.descriptor}`;
    let descriptor = rule.descriptor;
    if (!tallies.has(id) && tallies.size >= MAX_TALLIES) { descriptor = '(other)'; id = `${rule.domain}\u0000(other)`; }
    let e = tallies.get(id);
    if (e === undefined) {
      const zero = (): Tally => ({ hits: 0, over: 0, near: 0, within: 0, nearCache: 0, shadow: 0 });
      e = { labels: { domain: rule.domain, descriptor }, t: zero(), flushed: zero() };
      tallies.set(id, e);
    }
    t = e.t;
    byRule.set(rule, t);
  }
  return t;
}

function tallyCounter(name: string, help: string, field: Field): client.Counter<'domain' | 'descriptor'> {
  const existing = registry.getSingleMetric(name) as client.Counter<'domain' | 'descriptor'> | undefined;
  if (existing) return existing;
  return new client.Counter({
    name, help, labelNames: L, registers: [registry],
    collect() {
      for (const e of tallies.values()) {
        const delta = e.t[field] - e.flushed[field];
        if (delta > 0) { this.inc(e.labels, delta); e.flushed[field] = e.t[field]; }
      }
    },
  });
}

export const rlMetrics = {
  hits: tallyCounter('portcullis_ratelimit_hits_total', 'Hits against a limit (hits_addend counted)', 'hits'),
  overLimit: tallyCounter('portcullis_ratelimit_over_limit_total', 'Hits over the limit', 'over'),
  nearLimit: tallyCounter('portcullis_ratelimit_near_limit_total', 'Hits between the near-limit ratio and the limit', 'near'),
  withinLimit: tallyCounter('portcullis_ratelimit_within_limit_total', 'Hits within the limit', 'within'),
  overLimitNearCache: tallyCounter('portcullis_ratelimit_over_limit_near_cache_total', 'Over-limit hits answered by the near cache without a store call', 'nearCache'),
  shadowMode: tallyCounter('portcullis_ratelimit_shadow_mode_total', 'Over-limit hits let through because the limit is in shadow mode', 'shadow'),
  failureMode: counter('portcullis_ratelimit_failure_mode_total', 'Hits answered by a failure mode because the store was unavailable', [...L, 'mode'] as const),
  unknownDomain: counter('portcullis_ratelimit_unknown_domain_total', 'ShouldRateLimit calls for a domain that is not configured (answered OK)'),
  requests: counter('portcullis_ratelimit_should_rate_limit_total', 'ShouldRateLimit calls by overall code', ['code'] as const),
  skipped: counter('portcullis_ratelimit_skipped_total', 'Check limits not applied because the request lacks the key (no identity, no header)', L),
  storeDuration: histogram('portcullis_ratelimit_store_duration_seconds', 'Duration of rate-limit store calls (one per decision)', ['store', 'result'] as const, FAST_BUCKETS),
  storeFailures: counter('portcullis_ratelimit_store_failures_total', 'Store calls that produced no answer', ['store', 'reason'] as const),
  breakerState: gauge('portcullis_ratelimit_breaker_state', 'Circuit breaker state in front of the store: 0 closed, 1 open, 2 half-open', ['store'] as const),
  breakerTransitions: counter('portcullis_ratelimit_breaker_transitions_total', 'Circuit breaker state changes', ['store', 'to'] as const),
  configLoads: counter('portcullis_ratelimit_config_loads_total', 'Loads of the envoyproxy/ratelimit config directory by result', ['result'] as const),
  counterEvictions: counter('portcullis_ratelimit_memory_evictions_total', 'In-memory counters dropped because local.max_keys was reached (their limits restart)'),
};

