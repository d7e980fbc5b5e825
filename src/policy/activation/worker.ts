// The policy activation worker (started by client.ts): the heavy part of activating a bundle, off the
// main thread. `load`: unpack, verify the signature, parse and check manifest and data, compile the Wasm
// and check its builtins — the same code the main thread ran before (bundle/load.ts) — and hand back the
// data document as JSON text. `build`: lay data sources over that text, load it into a new instance of
// the policy and hand back the instance's memory (wasm/snapshot.ts). `data-file` / `data-hash`: read,
// parse and check a data source's document (data/read.ts) and hand it back as JSON text with its digest.
import { parentPort } from 'node:worker_threads';
import { loadBundleArchive, loadBundleFiles, type LoadedBundle } from '../bundle/load.js';
import { unpackFields } from '../data/hash-fields.js';
import { layJson } from '../data/lay-json.js';
import { hashDoc, readDataFileDoc } from '../data/read.js';
import { instantiateWithData } from '../wasm/engine.js';
import { snapshotUnsupported, takeSnapshot } from '../wasm/snapshot.js';
import { toWire, type WireBundle, type WorkerMessage, type WorkerRequest } from './protocol.js';

const port = parentPort!;

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function sharedJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value);
  const bytes = new Uint8Array(new SharedArrayBuffer(Buffer.byteLength(text)));
  asBuffer(bytes).write(text, 'utf8');
  return bytes;
}

async function load(req: Extract<WorkerRequest, { op: 'load' }>): Promise<WireBundle> {
  let lb: LoadedBundle;
  if (req.archive) {
    lb = await loadBundleArchive(asBuffer(req.archive), req.opts);
  } else {
    lb = await loadBundleFiles(new Map((req.files ?? []).map(([name, bytes]) => [name, asBuffer(bytes)])), req.opts);
  }
  return {
    revision: lb.bundle.revision,
    manifest: lb.bundle.manifest,
    fileCount: lb.bundle.fileCount,
    wasm: lb.bundle.wasm,
    json: sharedJson(lb.data.value),
    module: lb.compiled.module,
    entrypoints: [...lb.compiled.entrypoints],
    requiredBuiltins: [...lb.compiled.requiredBuiltins],
    digest: lb.digest,
    restorable: snapshotUnsupported(lb.bundle.wasm) === undefined,
  };
}

async function build(req: Extract<WorkerRequest, { op: 'build' }>) {
  const json = layJson(req.json, req.overlays);
  const policy = await instantiateWithData({ module: req.module, entrypoints: [], requiredBuiltins: [] }, json, req.memory);
  return takeSnapshot(policy);
}

port.on('message', (req: WorkerRequest) => {
  void (async () => {
    let reply: WorkerMessage;
    const transfer: ArrayBuffer[] = [];
    try {
      if (req.op === 'load') {
        reply = { id: req.id, ok: true, result: await load(req) };
      } else if (req.op === 'data-file') {
        reply = { id: req.id, ok: true, result: (await readDataFileDoc(req.file, req.known, 'json')) ?? null };
      } else if (req.op === 'data-hash') {
        reply = { id: req.id, ok: true, result: hashDoc(req.hash, unpackFields(req.fields), req.values, req.known, 'json') ?? null };
      } else {
        const snap = await build(req);
        transfer.push(snap.memory);
        reply = { id: req.id, ok: true, result: snap };
      }
    } catch (err) {
      reply = { id: req.id, ok: false, error: toWire(err) };
    }
    port.postMessage(reply, transfer);
  })();
});

// every module is loaded: tell the client the worker can take requests
port.postMessage({ ready: true } satisfies WorkerMessage);
