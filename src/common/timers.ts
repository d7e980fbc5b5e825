/**
 * The longest delay Node's timers take: a longer one fires after 1 ms (TimeoutOverflowWarning), so a refresh
 * period a user writes in days (a feed refreshed monthly, a JWKS cached for 30 days) would run in a loop.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay for setTimeout/setInterval from config or a computed schedule: in [0, MAX_TIMER_MS]. */
export function timerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return ms > MAX_TIMER_MS ? MAX_TIMER_MS : ms;
}
