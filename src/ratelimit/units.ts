/**
 * Time units and windows. second/minute/hour/day are envoyproxy/ratelimit's classic units; month and year
 * are in its proto enum too (it counts 30- and 365-day blocks; Portcullis follows the UTC calendar, see the
 * README's "Differences from envoyproxy/ratelimit"); week and `unit_multiplier` (arbitrary periods such as
 * 5 minutes) are Portcullis extensions.
 *
 * Fixed windows: second…day (× multiplier) are aligned to the Unix epoch exactly as envoyproxy/ratelimit
 * does (`now / divider * divider`); week starts Monday 00:00 UTC; month and year follow the UTC calendar.
 * Sliding windows and GCRA need a constant period: month counts as 30 days, year as 365 days.
 */
export const STANDARD_UNITS = ['second', 'minute', 'hour', 'day'] as const;
export const EXTENSION_UNITS = ['week', 'month', 'year'] as const;
export type Unit = (typeof STANDARD_UNITS)[number] | (typeof EXTENSION_UNITS)[number];
/** Units an envoyproxy/ratelimit config file may name (RateLimitResponse.RateLimit.Unit, UNKNOWN excepted). */
export const ENVOY_FORMAT_UNITS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;

const SECONDS: Record<Unit, number> = {
  second: 1, minute: 60, hour: 3600, day: 86_400, week: 604_800, month: 2_592_000, year: 31_536_000,
};

/** Proto enum names of envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit (no WEEK in v3). */
const PROTO_UNIT: Record<Unit, string> = {
  second: 'SECOND', minute: 'MINUTE', hour: 'HOUR', day: 'DAY', week: 'UNKNOWN', month: 'MONTH', year: 'YEAR',
};

/** 1970-01-05 00:00 UTC was a Monday. */
const FIRST_MONDAY_MS = 4 * 86_400_000;

export interface Period {
  unit: Unit;
  /** Window = multiplier × unit (≥ 1). */
  multiplier: number;
}

export function isUnit(s: string): s is Unit {
  return Object.prototype.hasOwnProperty.call(SECONDS, s);
}

/** A unit envoyproxy/ratelimit itself accepts in a config file (allowed by strict_envoy_format). */
export function isEnvoyFormatUnit(u: Unit): boolean {
  return (ENVOY_FORMAT_UNITS as readonly string[]).includes(u);
}

export function isStandardUnit(u: Unit): boolean {
  return (STANDARD_UNITS as readonly string[]).includes(u);
}

/**
 * Longest window a limit may have (10000 × 365 days). Far past any real limit; beyond it calendar windows
 * end after the last date JavaScript can represent (year × 300000 gave a window end of NaN).
 */
export const MAX_PERIOD_MS = 10_000 * 365 * 86_400_000;

/** A problem with unit × unit_multiplier, or undefined when the limiter can use the period. */
export function periodProblem(p: Period): string | undefined {
  return periodMs(p) > MAX_PERIOD_MS ? `${p.multiplier} × ${p.unit} is too long (the window may be at most 10000 years)` : undefined;
}

/** Nominal period length in ms (month = 30 days, year = 365 days). */
export function periodMs(p: Period): number {
  return SECONDS[p.unit] * p.multiplier * 1000;
}

export function protoUnit(u: Unit): string {
  return PROTO_UNIT[u];
}

/** Proto enum name (either RateLimitUnit or RateLimitResponse.RateLimit.Unit) → unit; undefined if unknown. */
export function unitFromProto(name: unknown): Unit | undefined {
  if (typeof name !== 'string') return undefined;
  const u = name.toLowerCase();
  return isUnit(u) && u !== 'week' ? u : undefined;
}

export interface Window { start: number; end: number }

/** The fixed window containing `now` (ms since epoch). */
export function fixedWindow(p: Period, now: number): Window {
  if (p.unit === 'month' || p.unit === 'year') {
    const d = new Date(now);
    const months = p.unit === 'year' ? 12 * p.multiplier : p.multiplier;
    const index = (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
    const first = Math.floor(index / months) * months;
    return { start: monthStart(first), end: monthStart(first + months) };
  }
  const size = periodMs(p);
  const origin = p.unit === 'week' ? FIRST_MONDAY_MS : 0;
  const start = Math.floor((now - origin) / size) * size + origin;
  return { start, end: start + size };
}

function monthStart(monthsSinceEpoch: number): number {
  return Date.UTC(1970 + Math.floor(monthsSinceEpoch / 12), ((monthsSinceEpoch % 12) + 12) % 12, 1);
}

/** "100 per minute", "10 per 5 minutes" — for status names and logs. */
export function describePeriod(requests: number, p: Period): string {
  return p.multiplier === 1 ? `${requests} per ${p.unit}` : `${requests} per ${p.multiplier} ${p.unit}s`;
}
