import { FAST_BUCKETS, counter, gauge, histogram } from '../telemetry/metrics.js';

/**
 * Rate-limit metrics. Labels are bounded: `domain` is a configured domain (or "check"), `descriptor` a
 * configured descriptor path or limit name — never a request value (those go to the bounded top-offenders
 * view on the admin port).
 */
const L = ['domain', 'descriptor'] as const;

export const rlMetrics = {
  hits: counter('portcullis_ratelimit_hits_total', 'Hits against a limit (hits_addend counted)', L),
  overLimit: counter('portcullis_ratelimit_over_limit_total', 'Hits over the limit', L),
  nearLimit: counter('portcullis_ratelimit_near_limit_total', 'Hits between the near-limit ratio and the limit', L),
  withinLimit: counter('portcullis_ratelimit_within_limit_total', 'Hits within the limit', L),
  overLimitNearCache: counter('portcullis_ratelimit_over_limit_near_cache_total', 'Over-limit hits answered by the near cache without a store call', L),
  shadowMode: counter('portcullis_ratelimit_shadow_mode_total', 'Over-limit hits let through because the limit is in shadow mode', L),
  failureMode: counter('portcullis_ratelimit_failure_mode_total', 'Hits answered by a failure mode because the store was unavailable', [...L, 'mode'] as const),
  unknownDomain: counter('portcullis_ratelimit_unknown_domain_total', 'ShouldRateLimit calls for a domain that is not configured (answered OK)'),
  requests: counter('portcullis_ratelimit_should_rate_limit_total', 'ShouldRateLimit calls by overall code', ['code'] as const),
  skipped: counter('portcullis_ratelimit_skipped_total', 'Check limits not applied because the request lacks the key (no identity, no header)', L),
  storeDuration: histogram('portcullis_ratelimit_store_duration_seconds', 'Duration of rate-limit store calls (one per decision)', ['store', 'result'] as const, FAST_BUCKETS),
  storeFailures: counter('portcullis_ratelimit_store_failures_total', 'Store calls that produced no answer', ['store', 'reason'] as const),
  breakerState: gauge('portcullis_ratelimit_breaker_state', 'Circuit breaker state in front of the store: 0 closed, 1 open, 2 half-open', ['store'] as const),
  breakerTransitions: counter('portcullis_ratelimit_breaker_transitions_total', 'Circuit breaker state changes', ['store', 'to'] as const),
  configLoads: counter('portcullis_ratelimit_config_loads_total', 'Loads of the envoyproxy/ratelimit config directory by result', ['result'] as const),
  counterEvictions: gauge('portcullis_ratelimit_memory_counter_evictions', 'In-memory counters dropped because the store was full (since start)'),
};
