import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { PORTCULLIS_BUILTINS, missingBuiltins } from './builtins.js';
import { evalClock } from './time-builtins.js';

/** A policy that cannot be used (bad Wasm, unsupported builtins, missing entrypoint). */
export class PolicyLoadError extends Error {
  constructor(
    readonly reason: 'wasm' | 'builtins' | 'entrypoints' | 'data',
    message: string,
    /** For reason "builtins": the builtins the policy needs that Portcullis cannot provide. */
    readonly missingBuiltins: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Evaluation failed (conflicting rules, out of memory, a non-JSON result…). */
export class PolicyEvalError extends Error {}

export interface MemoryOptions {
  /** 64 KiB pages. */
  initialPages: number;
  maxPages: number;
}

export const DEFAULT_MEMORY: MemoryOptions = { initialPages: 5, maxPages: 2048 };

/** One policy.wasm, compiled once; engines (instances with data) are made from it. */
export interface CompiledPolicy {
  readonly module: WebAssembly.Module;
  readonly entrypoints: readonly string[];
  /** Builtins the module imports from the SDK. */
  readonly requiredBuiltins: readonly string[];
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') return (err as { message: string }).message;
  return String(err);
}

function readCString(mem: WebAssembly.Memory, addr: number): string {
  const buf = new Uint8Array(mem.buffer);
  let end = addr;
  while (end < buf.length && buf[end] !== 0) end++;
  return Buffer.from(buf.buffer, addr, end - addr).toString('utf8');
}

async function instantiate(module: WebAssembly.Module, mem: MemoryOptions): Promise<LoadedPolicy> {
  return loadPolicy(module, { initial: mem.initialPages, maximum: mem.maxPages }, PORTCULLIS_BUILTINS as Record<string, Function>);
}

/**
 * Compile policy.wasm and check it can run here: the OPA Wasm ABI, the entrypoints it exports and
 * every builtin it imports. Throws PolicyLoadError naming what is wrong.
 */
export async function compilePolicy(wasm: Uint8Array, mem: MemoryOptions = DEFAULT_MEMORY): Promise<CompiledPolicy> {
  let module: WebAssembly.Module;
  let probe: LoadedPolicy;
  try {
    module = await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
    probe = await instantiate(module, mem);
  } catch (err) {
    throw new PolicyLoadError('wasm', `policy.wasm cannot be loaded: ${errorText(err)}`);
  }
  const exports = (probe.wasmInstance as WebAssembly.Instance).exports as Record<string, any>;
  let required: string[];
  try {
    required = Object.keys(JSON.parse(readCString(probe.mem, exports.opa_json_dump(exports.builtins()))));
  } catch (err) {
    throw new PolicyLoadError('wasm', `policy.wasm does not list its builtins: ${errorText(err)}`);
  }
  const missing = missingBuiltins(required);
  if (missing.length > 0) {
    throw new PolicyLoadError('builtins', `the policy uses builtin function(s) not available to Wasm policies in Portcullis: ${missing.join(', ')}`, missing);
  }
  const entrypoints = Object.keys(probe.entrypoints ?? {}).sort();
  if (entrypoints.length === 0) throw new PolicyLoadError('entrypoints', 'policy.wasm has no entrypoints (build with -e or entrypoint annotations)');
  return { module, entrypoints, requiredBuiltins: required.sort() };
}

/** A ready-to-evaluate instance of a compiled policy with its data document loaded. Immutable: new data → new engine. */
export class WasmEngine {
  private constructor(private readonly policy: LoadedPolicy, readonly entrypoints: ReadonlySet<string>) {}

  static async create(compiled: CompiledPolicy, data: unknown, mem: MemoryOptions = DEFAULT_MEMORY): Promise<WasmEngine> {
    let policy: LoadedPolicy;
    try {
      policy = await instantiate(compiled.module, mem);
    } catch (err) {
      throw new PolicyLoadError('wasm', `policy.wasm cannot be instantiated: ${errorText(err)}`);
    }
    try {
      policy.setData((data ?? {}) as object);
    } catch (err) {
      throw new PolicyLoadError('data', `the data document cannot be loaded into the policy: ${errorText(err)}`);
    }
    return new WasmEngine(policy, new Set(compiled.entrypoints));
  }

  /** The entrypoint's value, or undefined when the policy defines none for this input. Throws PolicyEvalError. */
  evaluate(entrypoint: string, input: unknown, nowNs: number = Date.now() * 1e6): unknown {
    if (!this.entrypoints.has(entrypoint)) throw new PolicyEvalError(`entrypoint "${entrypoint}" is not in the bundle`);
    evalClock.nowNs = nowNs;
    let rs: unknown;
    try {
      rs = this.policy.evaluate(input, entrypoint);
    } catch (err) {
      throw new PolicyEvalError(errorText(err));
    }
    if (!Array.isArray(rs) || rs.length === 0) return undefined;
    return (rs[0] as { result?: unknown }).result;
  }
}
