import { BundleFormatError } from '../bundle/archive.js';
import type { LoadOptions } from '../bundle/load.js';
import type { Manifest } from '../bundle/bundle.js';
import type { DataDoc } from '../data/data-doc.js';
import { DataFormatError } from '../data/format-error.js';
import type { JsonOverlay } from '../data/lay-json.js';
import { PolicyLoadError, type MemoryOptions } from '../wasm/engine.js';
import type { PolicySnapshot } from '../wasm/snapshot.js';

/** Messages between the main thread (client.ts) and the activation worker (worker.ts). */
export type WorkerRequest =
  | { id: number; op: 'load'; archive?: Uint8Array; files?: Array<[string, Uint8Array]>; opts: LoadOptions }
  | { id: number; op: 'build'; module: WebAssembly.Module; json: Uint8Array; overlays: WireOverlay[]; memory: MemoryOptions }
  | { id: number; op: 'data-file'; file: string; known?: string }
  /** fields: packed by data/hash-fields.ts */
  | { id: number; op: 'data-hash'; hash: string; fields: Uint8Array; values: 'json' | 'string'; known?: string };

/** A data document laid over the bundle's data: its JSON text (shared memory, read by the worker) or its value. */
export type WireOverlay = JsonOverlay;

/** A loaded bundle as the worker hands it over: the data document as JSON text in shared memory. */
export interface WireBundle {
  revision: string;
  manifest: Manifest;
  fileCount: number;
  wasm: Uint8Array;
  /** Backed by a SharedArrayBuffer: later builds send it back to the worker without a copy. */
  json: Uint8Array;
  module: WebAssembly.Module;
  entrypoints: string[];
  requiredBuiltins: string[];
  digest: string;
  restorable: boolean;
}

export interface WireError {
  kind: 'bundle' | 'policy' | 'data' | 'other';
  reason?: string;
  message: string;
  missingBuiltins?: string[];
}

export type WorkerMessage =
  | { ready: true }
  | { id: number; ok: true; result: WireBundle | PolicySnapshot | DataDoc | null }
  | { id: number; ok: false; error: WireError };

export function toWire(err: unknown): WireError {
  if (err instanceof BundleFormatError) return { kind: 'bundle', reason: err.reason, message: err.message };
  if (err instanceof PolicyLoadError) return { kind: 'policy', reason: err.reason, message: err.message, missingBuiltins: [...err.missingBuiltins] };
  if (err instanceof DataFormatError) return { kind: 'data', message: err.message };
  if (err instanceof Error) return { kind: 'other', message: err.message };
  return { kind: 'other', message: String(err) };
}

/** The error as it was thrown in the worker (same class and reason: metrics and messages are unchanged). */
export function fromWire(w: WireError): Error {
  if (w.kind === 'bundle') return new BundleFormatError(w.reason as BundleFormatError['reason'], w.message);
  if (w.kind === 'policy') return new PolicyLoadError(w.reason as PolicyLoadError['reason'], w.message, w.missingBuiltins ?? []);
  if (w.kind === 'data') return new DataFormatError(w.message);
  return new Error(w.message);
}
