import type { MemoryOptions } from './engine.js';

class ImportCalled extends Error {}

/**
 * Why `module`'s start function does not finish, or undefined when it does (or when that cannot be
 * told). Used after instantiating a policy failed, to say what happened: the start function runs during
 * instantiation, before the engine has filled the deadline's tick slot, so an endless loop there ends
 * after COUNTER_AT_START iterations in a call through the empty slot ("null function or function
 * signature mismatch") — as would an ABI call opa-wasm makes right after. Instantiating the module
 * alone, with every imported function refusing to run, runs only the start function.
 */
export function startFunctionFailure(module: WebAssembly.Module, mem: MemoryOptions): string | undefined {
  const imports: Record<string, Record<string, unknown>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const ns = (imports[imp.module] ??= {});
    if (imp.kind === 'function') ns[imp.name] = () => { throw new ImportCalled(); };
    else if (imp.kind === 'memory') ns[imp.name] = new WebAssembly.Memory({ initial: mem.initialPages, maximum: mem.maxPages });
    else return undefined;
  }
  try {
    new WebAssembly.Instance(module, imports as WebAssembly.Imports);
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError || err instanceof RangeError) return err.message;
  }
  return undefined;
}
