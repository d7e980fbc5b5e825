import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';

/**
 * Moving a policy instance with its data from the activation worker to the main thread.
 *
 * Loading a large data document into an OPA Wasm instance (opa_json_parse inside the Wasm) takes
 * seconds; a Wasm instance cannot move between threads and OPA policies use unshared memory. But an
 * OPA policy keeps all of its state in linear memory: the allocator's heap pointer, heap top and free
 * lists are static C variables, and the only mutable Wasm global is the C stack pointer, which is back
 * at its initial value between calls. So the worker instantiates the module, loads the data, and hands
 * over the bytes of its memory below the heap pointer; the main thread instantiates the same module
 * the same way (same heap base), copies the bytes in (in slices, yielding to the event loop between
 * them), and points the opa-wasm LoadedPolicy (@open-policy-agent/opa-wasm 1.10.0, pinned) at the data.
 *
 * Guards: the module's shape is checked when the bundle is loaded (snapshotUnsupported), and after the
 * copy the allocator's heap pointer must read back as the worker's — which fails if the allocator's
 * state were anywhere but in memory. A bundle that fails either is activated on the main thread.
 */
export interface PolicySnapshot {
  /** The worker's linear memory below its heap pointer. */
  memory: ArrayBuffer;
  /** Size of the worker's memory in 64 KiB pages (the allocator's heap top); the copy needs as many. */
  pages: number;
  /** Where the parsed data document lives. */
  dataAddr: number;
  /** Heap pointer after the data: evaluations allocate above it. */
  dataHeapPtr: number;
  /** Heap pointer of a fresh instance before any data (both instances must agree). */
  baseHeapPtr: number;
}

const PAGE = 65536;
/** Bytes copied per turn of the event loop while restoring (~1–3 ms each). */
export const RESTORE_SLICE_BYTES = 4 * 1024 * 1024;

interface OpaExports {
  opa_heap_ptr_get(): number;
}

function exportsOf(policy: LoadedPolicy): OpaExports {
  return (policy.wasmInstance as WebAssembly.Instance).exports as unknown as OpaExports;
}

/** In the worker, after setData: the state to hand over. */
export function takeSnapshot(policy: LoadedPolicy): PolicySnapshot {
  const heap = policy.dataHeapPtr as number;
  if (exportsOf(policy).opa_heap_ptr_get() !== heap) throw new Error('policy snapshot: the heap pointer moved after the data was loaded');
  return {
    memory: policy.mem.buffer.slice(0, heap),
    pages: policy.mem.buffer.byteLength / PAGE,
    dataAddr: policy.dataAddr,
    dataHeapPtr: heap,
    baseHeapPtr: policy.baseHeapPtr as number,
  };
}

/**
 * On the main thread: make `policy` (a fresh instance of the same module with at least `snap.pages`
 * pages) hold the worker's data. Yields to the event loop between slices. Throws when the snapshot does
 * not fit the instance; the instance must then be discarded. `call` runs the call into the Wasm (the
 * engine bounds it with a deadline).
 */
export async function restoreSnapshot(policy: LoadedPolicy, snap: PolicySnapshot, sliceBytes = RESTORE_SLICE_BYTES, call: <T>(fn: () => T) => T = (fn) => fn()): Promise<void> {
  if (policy.baseHeapPtr !== snap.baseHeapPtr) throw new Error(`policy snapshot: heap base ${policy.baseHeapPtr} differs from the worker's ${snap.baseHeapPtr}`);
  if (policy.mem.buffer.byteLength < snap.pages * PAGE) throw new Error(`policy snapshot: needs ${snap.pages} pages, the instance has ${policy.mem.buffer.byteLength / PAGE}`);
  const src = new Uint8Array(snap.memory);
  for (let off = 0; off < src.length; off += sliceBytes) {
    if (off > 0) await new Promise<void>((r) => setImmediate(r));
    new Uint8Array(policy.mem.buffer).set(src.subarray(off, off + sliceBytes), off);
  }
  const heap = call(() => exportsOf(policy).opa_heap_ptr_get());
  if (heap !== snap.dataHeapPtr) throw new Error(`policy snapshot: the allocator's heap pointer reads ${heap} after the copy, not ${snap.dataHeapPtr} (its state is not in linear memory)`);
  policy.dataAddr = snap.dataAddr;
  policy.dataHeapPtr = snap.dataHeapPtr;
}

class Reader {
  p = 0;
  constructor(private readonly b: Uint8Array) {}
  byte(): number {
    if (this.p >= this.b.length) throw new Error('truncated');
    return this.b[this.p++]!;
  }
  u32(): number {
    let r = 0;
    for (let s = 0; s < 35; s += 7) {
      const x = this.byte();
      r += (x & 0x7f) * 2 ** s;
      if (!(x & 0x80)) return r;
    }
    throw new Error('bad LEB128');
  }
  skipLeb(): void { while (this.byte() & 0x80); }
  skip(n: number): void { this.p += n; }
  limits(): void { const flags = this.byte(); this.u32(); if (flags & 1) this.u32(); }
  /** A constant expression up to its `end`. */
  constExpr(): void {
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return;
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) this.skipLeb();
      else if (op === 0x43) this.skip(4);
      else if (op === 0x44) this.skip(8);
      else if (op === 0xd0) this.byte();
      else if (op !== 0x6a && op !== 0x6b && op !== 0x6c && op !== 0x7c && op !== 0x7d && op !== 0x7e) throw new Error(`constant expression opcode 0x${op.toString(16)}`);
    }
  }
}

/**
 * Why a policy's engines cannot be built off the main thread, or undefined when they can: the module
 * must import no globals or tables, and define at most one mutable global (the C stack pointer).
 */
export function snapshotUnsupported(wasm: Uint8Array): string | undefined {
  const r = new Reader(wasm);
  try {
    r.skip(8);
    let mutable = 0;
    while (r.p < wasm.length) {
      const id = r.byte();
      const size = r.u32();
      const end = r.p + size;
      if (id === 2) {
        for (let n = r.u32(); n > 0; n--) {
          r.skip(r.u32());
          r.skip(r.u32());
          const kind = r.byte();
          if (kind === 0) r.u32();
          else if (kind === 2) r.limits();
          else return `it imports a ${kind === 1 ? 'table' : kind === 3 ? 'global' : `kind ${kind}`}`;
        }
      } else if (id === 6) {
        for (let n = r.u32(); n > 0; n--) {
          r.byte();
          if (r.byte() === 1) mutable++;
          r.constExpr();
        }
      }
      r.p = end;
    }
    if (mutable > 1) return `it has ${mutable} mutable globals`;
    return undefined;
  } catch (err) {
    return `its sections cannot be read (${(err as Error).message})`;
  }
}
