import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { PORTCULLIS_BUILTINS, missingBuiltins } from './builtins.js';
import { CallGuard } from './call-guard.js';
import { COUNTER_AT_START } from './deadline-instrument.js';
import { EvalDeadline, EvalTimeoutError } from './eval-deadline.js';
import { rewritePolicy } from './rewrite-policy.js';
import { RESTORE_SLICE_BYTES, restoreSnapshot, type PolicySnapshot } from './snapshot.js';
import { startFunctionFailure } from './start-check.js';
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

/** Evaluation stopped at the bundle's eval_timeout_ms (the engine stays usable). */
export class PolicyTimeoutError extends PolicyEvalError {}

/** Default and bounds of a bundle's `eval_timeout_ms`: below Envoy's default ext_authz timeout (200 ms). */
export const EVAL_TIMEOUT_MS = { default: 100, min: 1, max: 60_000 } as const;

export interface MemoryOptions {
  /** 64 KiB pages. */
  initialPages: number;
  maxPages: number;
}

export const DEFAULT_MEMORY: MemoryOptions = { initialPages: 5, maxPages: 2048 };

/**
 * How long loading a data document into a policy instance (opa-wasm's setData: opa_json_parse inside
 * the Wasm) may run. Outside an evaluation the instrumented loops have no other deadline, so a
 * policy.wasm whose parser never finishes would hold the thread for good — the main thread with
 * PORTCULLIS_POLICY_ACTIVATION=inline. Generous: 100 MiB of data loads in about 12 s on a loaded 2-core
 * machine (bundles are at most 128 MiB uncompressed); and below the activation worker's 300 s job
 * timeout, so the worker reports this error instead of being stopped as hung.
 */
export const DATA_LOAD_TIMEOUT_MS = 120_000;

/** How long one OPA ABI call made while loading (the builtins list, the heap pointer) may run: they return a few bytes to a few KB in well under a millisecond. */
export const ABI_CALL_TIMEOUT_MS = 1_000;

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

/** Each instance's deadline, set up when it is made (loading data runs instrumented loops too). */
const deadlines = new WeakMap<LoadedPolicy, EvalDeadline>();

async function instantiate(module: WebAssembly.Module, mem: MemoryOptions, initialPages = mem.initialPages): Promise<LoadedPolicy> {
  const policy = await loadPolicy(module, { initial: Math.min(initialPages, mem.maxPages), maximum: mem.maxPages }, PORTCULLIS_BUILTINS as Record<string, Function>);
  deadlines.set(policy, EvalDeadline.install(policy.wasmInstance as WebAssembly.Instance));
  return policy;
}

/** Wasm bytes per byte of data JSON: the JSON text itself plus OPA's parsed values (measured 2× for long strings, 12× for records, 24× for tiny objects). */
const PARSED_BYTES_PER_JSON_BYTE = 16;

/**
 * Pages to start an instance with so that loading `jsonBytes` of data does not grow the memory: OPA's
 * allocator grows it one page at a time, and that made loading 20 MiB of data take 4.1 s instead of
 * 0.4 s. Capped at the configured maximum; pages never touched cost address space, not RAM.
 */
export function pagesForData(jsonBytes: number, mem: MemoryOptions): number {
  return Math.min(mem.maxPages, mem.initialPages + Math.ceil((jsonBytes * PARSED_BYTES_PER_JSON_BYTE) / 65536));
}

/** The exact-length ArrayBuffer opa-wasm's setData takes as JSON text (it copies it into Wasm memory). */
function arrayBufferOf(json: Uint8Array): ArrayBuffer {
  if (json.buffer instanceof ArrayBuffer && json.byteOffset === 0 && json.byteLength === json.buffer.byteLength) return json.buffer;
  // Uint8Array's slice copies; a Buffer's slice is a view of its (pooled) memory
  return Uint8Array.prototype.slice.call(json).buffer as ArrayBuffer;
}

/** A new instance of the policy with the data document (JSON text) loaded. Throws PolicyLoadError. */
export async function instantiateWithData(compiled: CompiledPolicy, json: Uint8Array, mem: MemoryOptions = DEFAULT_MEMORY, loadTimeoutMs = DATA_LOAD_TIMEOUT_MS): Promise<LoadedPolicy> {
  let policy: LoadedPolicy;
  try {
    policy = await instantiate(compiled.module, mem, pagesForData(json.byteLength, mem));
  } catch (err) {
    throw new PolicyLoadError('wasm', `policy.wasm cannot be instantiated: ${errorText(err)}`);
  }
  try {
    CallGuard.of(policy.wasmInstance as WebAssembly.Instance).run(() => deadlines.get(policy)!.run(loadTimeoutMs, () => policy.setData(arrayBufferOf(json))));
  } catch (err) {
    if (err instanceof EvalTimeoutError) throw new PolicyLoadError('data', `loading the data document into policy.wasm did not finish within ${loadTimeoutMs} ms`);
    throw new PolicyLoadError('data', `the data document cannot be loaded into the policy: ${errorText(err)}`);
  }
  return policy;
}

/**
 * Compile policy.wasm and check it can run here: the OPA Wasm ABI, the entrypoints it exports and
 * every builtin it imports. Throws PolicyLoadError naming what is wrong.
 */
export async function compilePolicy(wasm: Uint8Array, mem: MemoryOptions = DEFAULT_MEMORY, callTimeoutMs = ABI_CALL_TIMEOUT_MS): Promise<CompiledPolicy> {
  let module: WebAssembly.Module;
  let probe: LoadedPolicy;
  let rewritten: Uint8Array;
  try {
    rewritten = rewritePolicy(wasm).wasm;
  } catch (err) {
    throw new PolicyLoadError('wasm', `policy.wasm cannot be prepared: ${errorText(err)}`);
  }
  try {
    module = await WebAssembly.compile(rewritten as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new PolicyLoadError('wasm', `policy.wasm cannot be loaded: ${errorText(err)}`);
  }
  try {
    probe = await instantiate(module, mem);
  } catch (err) {
    const start = startFunctionFailure(module, mem);
    if (start !== undefined) throw new PolicyLoadError('wasm', `policy.wasm cannot be loaded: its start function did not finish (${start}; it may run at most ${COUNTER_AT_START} loop iterations)`);
    throw new PolicyLoadError('wasm', `policy.wasm cannot be loaded: ${errorText(err)}`);
  }
  const exports = (probe.wasmInstance as WebAssembly.Instance).exports as Record<string, any>;
  let required: string[];
  try {
    required = Object.keys(JSON.parse(readCString(probe.mem, deadlines.get(probe)!.run(callTimeoutMs, () => exports.opa_json_dump(exports.builtins())))));
  } catch (err) {
    if (err instanceof EvalTimeoutError) throw new PolicyLoadError('wasm', `policy.wasm's builtins list (builtins, opa_json_dump) did not finish within ${callTimeoutMs} ms`);
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
  private readonly guard: CallGuard;
  private readonly deadline: EvalDeadline;

  private constructor(private readonly policy: LoadedPolicy, readonly entrypoints: ReadonlySet<string>) {
    this.guard = CallGuard.of(policy.wasmInstance as WebAssembly.Instance);
    this.deadline = deadlines.get(policy)!;
  }

  /** On this thread: the data is serialized and parsed into Wasm here (what opa-wasm's setData(object) does). */
  static async create(compiled: CompiledPolicy, data: unknown, mem: MemoryOptions = DEFAULT_MEMORY, loadTimeoutMs = DATA_LOAD_TIMEOUT_MS): Promise<WasmEngine> {
    const json = new TextEncoder().encode(JSON.stringify(data ?? {}));
    return new WasmEngine(await instantiateWithData(compiled, json, mem, loadTimeoutMs), new Set(compiled.entrypoints));
  }

  /** From an instance built in the activation worker (wasm/snapshot.ts); the copy yields to the event loop. */
  static async fromSnapshot(compiled: CompiledPolicy, snap: PolicySnapshot, mem: MemoryOptions = DEFAULT_MEMORY, callTimeoutMs = ABI_CALL_TIMEOUT_MS): Promise<WasmEngine> {
    if (snap.pages > mem.maxPages) throw new PolicyLoadError('data', `the data document needs ${snap.pages} pages of Wasm memory (limit ${mem.maxPages})`);
    let policy: LoadedPolicy;
    try {
      policy = await instantiate(compiled.module, mem, snap.pages);
    } catch (err) {
      throw new PolicyLoadError('wasm', `policy.wasm cannot be instantiated: ${errorText(err)}`);
    }
    const deadline = deadlines.get(policy)!;
    try {
      await restoreSnapshot(policy, snap, RESTORE_SLICE_BYTES, (fn) => deadline.run(callTimeoutMs, fn));
    } catch (err) {
      if (err instanceof EvalTimeoutError) throw new PolicyLoadError('wasm', `policy.wasm's opa_heap_ptr_get did not finish within ${callTimeoutMs} ms`);
      throw err;
    }
    return new WasmEngine(policy, new Set(compiled.entrypoints));
  }

  /**
   * The entrypoint's value, or undefined when the policy defines none for this input. Throws
   * PolicyEvalError; PolicyTimeoutError when it runs longer than `timeoutMs` (no limit when undefined).
   */
  evaluate(entrypoint: string, input: unknown, nowNs: number = Date.now() * 1e6, timeoutMs?: number): unknown {
    if (!this.entrypoints.has(entrypoint)) throw new PolicyEvalError(`entrypoint "${entrypoint}" is not in the bundle`);
    evalClock.nowNs = nowNs;
    let rs: unknown;
    try {
      rs = this.guard.run(() => this.deadline.run(timeoutMs, () => this.policy.evaluate(input, entrypoint)));
    } catch (err) {
      if (err instanceof EvalTimeoutError) throw new PolicyTimeoutError(err.message);
      throw new PolicyEvalError(errorText(err));
    }
    if (!Array.isArray(rs) || rs.length === 0) return undefined;
    return (rs[0] as { result?: unknown }).result;
  }
}
