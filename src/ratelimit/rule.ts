import type { Period } from './units.js';

export const ALGORITHMS = ['fixed_window', 'sliding_window', 'gcra'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** What a limit does while its store (Redis) cannot answer. */
export const FAILURE_MODES = ['open', 'closed', 'local'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

/**
 * One compiled limit, shared by the ShouldRateLimit handler (a descriptor's rate_limit) and the Check
 * limit phase. Immutable; built once per config load.
 */
export interface LimitRule {
  /** Metric label `domain` (an RLS domain, or "check"). */
  readonly domain: string;
  /** Metric label `descriptor`: the configured descriptor path or limit name, never a request value. */
  readonly descriptor: string;
  /** envoyproxy/ratelimit `rate_limit.name` (for replaces) or the Check limit's name. */
  readonly name: string;
  readonly requestsPerUnit: number;
  readonly period: Period;
  readonly algorithm: Algorithm;
  /** GCRA bucket size (requests that may arrive at once); requestsPerUnit when not set. */
  readonly burst: number;
  readonly shadowMode: boolean;
  readonly failureMode: FailureMode;
  /** Send request values to the top-offenders view (envoyproxy/ratelimit `detailed_metric`). */
  readonly detailed: boolean;
}

/** One counter touched by one decision. */
export interface Hit {
  rule: LimitRule;
  /** Counter identity (domain + descriptor values, or limit + key parts), without window suffix. */
  key: string;
  /** Limit to enforce this time (the rule's, or a tighter one: plan / throttle / override). */
  limit: number;
  /**
   * GCRA: the client's normal limit when `limit` is a throttled one. Its burst tolerance in time (burst × its
   * interval) is kept — at least one request of the throttled interval — so the tighter limit, sharing the bucket,
   * never admits a request the normal one would refuse.
   */
  normalLimit?: number;
  hits: number;
  /** The key's values may be credentials (a header such as authorization): hash them in the admin view. */
  redact: boolean;
}

/** The answer for one Hit. */
export interface Verdict {
  /** Over the limit (before shadow mode turns it into OK). */
  over: boolean;
  /** Requests left in the window / bucket after this decision. */
  remaining: number;
  /** ms until the window resets (fixed, sliding) or the bucket is full again (GCRA). */
  resetMs: number;
  /** ms until a request of this size would be admitted (0 when admitted). */
  retryAfterMs: number;
  /** Where the answer came from. */
  source: 'store' | 'near_cache' | 'local' | 'fail_open' | 'fail_closed' | 'static' | 'skipped';
}
