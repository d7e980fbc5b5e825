import { timerMs } from '../common/timers.js';

/**
 * Counts the calls running on one Runtime, so a reload closes the runtime it replaced only when the Checks
 * that started on it have finished (a slow introspection, a policy evaluation, a Redis round trip): closing
 * it under them would release what they still use and fail them closed. Bounded: a call that never settles
 * does not keep the old runtime (its stores, watchers, workers) open forever.
 */
export class InFlight {
  private n = 0;
  private waiters: (() => void)[] = [];

  get count(): number { return this.n; }

  enter(): void { this.n++; }

  leave(): void {
    if (this.n > 0 && --this.n === 0) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves true when nothing runs, or false when `maxMs` passed first. */
  idle(maxMs: number): Promise<boolean> {
    if (this.n === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(timer); resolve(true); };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, timerMs(maxMs));
      timer.unref();
      this.waiters.push(done);
    });
  }
}
