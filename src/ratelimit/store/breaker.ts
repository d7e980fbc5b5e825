import { rlMetrics } from '../metrics.js';

export type BreakerState = 'closed' | 'open' | 'half_open';
const GAUGE: Record<BreakerState, number> = { closed: 0, open: 1, half_open: 2 };

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** How long it stays open before one probe call is let through. */
  openMs: number;
}

/**
 * Closed → (N consecutive failures) → open: calls fail at once, no store wait → after openMs, half-open:
 * one probe call goes through; success closes, failure opens again.
 */
export class CircuitBreaker {
  state: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private probing = false;

  constructor(private readonly opts: BreakerOptions, private readonly label: string, private readonly clock: () => number = Date.now) {
    rlMetrics.breakerState.set({ store: label }, 0);
  }

  /** May a call go to the store now? */
  allow(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.clock() - this.openedAt < this.opts.openMs) return false;
      this.to('half_open');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.consecutive = 0;
    this.probing = false;
    if (this.state !== 'closed') this.to('closed');
  }

  failure(): void {
    this.probing = false;
    if (this.state === 'half_open') { this.open(); return; }
    if (this.state === 'closed' && ++this.consecutive >= this.opts.failures) this.open();
  }

  private open(): void {
    this.openedAt = this.clock();
    this.consecutive = 0;
    this.to('open');
  }

  private to(s: BreakerState): void {
    this.state = s;
    rlMetrics.breakerState.set({ store: this.label }, GAUGE[s]);
    rlMetrics.breakerTransitions.inc({ store: this.label, to: s });
  }
}
