import { GLOBAL_EXPORT_PREFIX } from './export-globals.js';

/**
 * Puts an instance's mutable globals back after a call into it throws. A throw out of Wasm (a trap, or
 * a JavaScript exception from an import: opa_abort, a builtin) skips the epilogues of the frames it
 * unwinds, so the C stack pointer keeps the value the innermost frame gave it; without this every
 * failed evaluation leaks its stack frames and after some hundred failures every evaluation of the
 * instance fails with "memory access out of bounds". The globals are exported by export-globals.ts.
 */
export class CallGuard {
  private readonly saved: unknown[];

  private constructor(private readonly globals: readonly WebAssembly.Global[]) {
    this.saved = globals.map((g) => g.value);
  }

  static of(instance: WebAssembly.Instance): CallGuard {
    const globals: WebAssembly.Global[] = [];
    for (const [k, v] of Object.entries(instance.exports)) if (k.startsWith(GLOBAL_EXPORT_PREFIX)) globals.push(v as WebAssembly.Global);
    return new CallGuard(globals);
  }

  /** How many globals are guarded (tests). */
  get size(): number {
    return this.globals.length;
  }

  /** fn() with the globals restored to their values before it when it throws. */
  run<T>(fn: () => T): T {
    const g = this.globals;
    for (let i = 0; i < g.length; i++) this.saved[i] = g[i]!.value;
    try {
      return fn();
    } catch (err) {
      for (let i = 0; i < g.length; i++) g[i]!.value = this.saved[i];
      throw err;
    }
  }
}
