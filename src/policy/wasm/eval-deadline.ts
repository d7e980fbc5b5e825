import { DEADLINE_EXPORTS } from './deadline-instrument.js';
import { wasmTick } from './tick-helper.js';

/** The evaluation ran past its deadline (thrown from inside the Wasm, which unwinds it). */
export class EvalTimeoutError extends Error {}

/** The deadline of the evaluation running on this thread (evaluations are synchronous: at most one). */
let running: EvalDeadline | undefined;

/**
 * For SDK builtins that loop in JavaScript (regex.split): throws EvalTimeoutError once the running
 * evaluation is past its deadline, so eval_timeout_ms stops them between iterations the way tick()
 * stops Wasm loops. No-op outside an evaluation or without a deadline.
 */
export function checkEvalDeadline(): void {
  running?.check();
}

/**
 * Loop iterations between two looks at the clock. Each iteration of an instrumented loop costs a
 * decrement; every TICK_ITERATIONS-th one calls tick() (a clock read). Tight OPA loops run ~10⁸
 * iterations/s, so a deadline is overrun by well under a millisecond.
 */
export const TICK_ITERATIONS = 1 << 14;

/**
 * The evaluation deadline of one instrumented policy instance (deadline-instrument.ts): fills the
 * module's tick slot with a function that compares the clock with the current call's deadline and
 * either returns a new count or throws EvalTimeoutError, which unwinds the Wasm (the caller's
 * CallGuard then restores the stack pointer). Outside run() there is no deadline: loading data is
 * never stopped.
 */
export class EvalDeadline {
  private deadline = Infinity;
  private timeoutMs = 0;

  private constructor(private readonly counter: WebAssembly.Global) {}

  /** Throws when the instance was not instrumented. */
  static install(instance: WebAssembly.Instance): EvalDeadline {
    const ex = instance.exports;
    const table = ex[DEADLINE_EXPORTS.table];
    const slot = ex[DEADLINE_EXPORTS.slot];
    const counter = ex[DEADLINE_EXPORTS.counter];
    if (!(table instanceof WebAssembly.Table) || !(slot instanceof WebAssembly.Global) || !(counter instanceof WebAssembly.Global)) {
      throw new Error('the policy module is not instrumented for evaluation deadlines');
    }
    const d = new EvalDeadline(counter);
    table.set(slot.value as number, wasmTick(d.tick));
    counter.value = TICK_ITERATIONS;
    return d;
  }

  private readonly tick = (): number => {
    this.check();
    return TICK_ITERATIONS;
  };

  /** Throws EvalTimeoutError once the current call is past its deadline. */
  check(): void {
    if (performance.now() >= this.deadline) {
      this.deadline = Infinity;
      this.counter.value = TICK_ITERATIONS;
      throw new EvalTimeoutError(`evaluation exceeded eval_timeout_ms (${this.timeoutMs} ms)`);
    }
  }

  /** fn() stopped (EvalTimeoutError) once it runs longer than timeoutMs; no deadline when undefined. */
  run<T>(timeoutMs: number | undefined, fn: () => T): T {
    if (timeoutMs === undefined) return fn();
    this.timeoutMs = timeoutMs;
    this.counter.value = TICK_ITERATIONS;
    this.deadline = performance.now() + timeoutMs;
    const outer = running;
    running = this;
    try {
      return fn();
    } finally {
      running = outer;
      this.deadline = Infinity;
    }
  }
}
