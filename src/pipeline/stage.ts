import type { RequestContext } from './context.js';
import type { Deny } from './deny.js';

/** Phases run in this order; the first deny ends the pass. */
export const PHASES = ['screen', 'inspect', 'identify', 'limit', 'authorize', 'respond'] as const;
export type Phase = (typeof PHASES)[number];

export type StageOutcome = Deny | undefined | void;

/**
 * One step of a route's pipeline. A stage adds facts to the context or returns a Deny.
 * Return synchronously when no I/O is needed: the runner only awaits real promises.
 * Throwing is treated as an internal error (deny ERR_INTERNAL, or allow if the route fails open).
 */
export interface Stage {
  /** Stable name used in metrics (`stage` label) and logs, e.g. "static_rules", "jwt". */
  readonly name: string;
  readonly phase: Phase;
  run(ctx: RequestContext): StageOutcome | Promise<StageOutcome>;
}
