export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** How long it stays open before one probe call is let through. */
  openMs: number;
}

/**
 * Closed → (N consecutive failures) → open: calls are refused at once, nobody waits on a dead dependency →
 * after openMs, half-open: one probe call goes through; success closes, failure opens again.
 * Used by the rate-limit store guard and the introspection client; each reports state changes to its own
 * metrics through `onChange`.
 */
export class CircuitBreaker {
  state: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly opts: BreakerOptions,
    private readonly clock: () => number = Date.now,
    private readonly onChange?: (state: BreakerState) => void,
  ) {}

  /** May a call go out now? (Takes the half-open probe slot when it is free.) */
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

  isOpen(): boolean { return this.state !== 'closed'; }

  private open(): void {
    this.openedAt = this.clock();
    this.consecutive = 0;
    this.to('open');
  }

  private to(s: BreakerState): void {
    this.state = s;
    this.onChange?.(s);
  }
}
