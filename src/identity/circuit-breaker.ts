import type { Clock } from './verifier.js';

/**
 * Consecutive-failure circuit breaker. Closed: calls go through. After `threshold` failures in a row it
 * opens for `resetMs`: calls are refused at once. Then one trial call is let through (half-open): success
 * closes it, failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trial = false;

  constructor(private readonly threshold: number, private readonly resetMs: number, private readonly clock: Clock, private readonly onChange?: (open: boolean) => void) {}

  /** May a call go out now? (Takes the half-open trial slot when it is free.) */
  allow(): boolean {
    if (this.failures < this.threshold) return true;
    if (this.clock() < this.openUntil || this.trial) return false;
    this.trial = true;
    return true;
  }

  success(): void {
    const wasOpen = this.failures >= this.threshold;
    this.failures = 0;
    this.trial = false;
    if (wasOpen) this.onChange?.(false);
  }

  failure(): void {
    this.trial = false;
    this.failures++;
    if (this.failures >= this.threshold) {
      if (this.failures === this.threshold) this.onChange?.(true);
      this.openUntil = this.clock() + this.resetMs;
    }
  }

  isOpen(): boolean { return this.failures >= this.threshold; }
}
