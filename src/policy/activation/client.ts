import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fromWire, type WorkerMessage, type WorkerRequest } from './protocol.js';

/** The activation worker could not be started at all (callers then do the work on the main thread). */
export class WorkerUnavailableError extends Error {}

/** An idle worker is stopped after this long (its heap held the last bundle's garbage). */
const IDLE_MS = 30_000;
/**
 * A job still running after this long is taken as hung: the worker is stopped, its jobs fail (each caller
 * keeps its last good bundle and counts the failure) and the next job starts a fresh worker. A 100 MiB
 * data.json activates in about 12 s on a loaded 2-core machine.
 */
const JOB_TIMEOUT_MS = 300_000;

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;
type Pending = { resolve: (v: any) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/**
 * One worker thread for the heavy part of bundle activation, started on first use, stopped when idle,
 * restarted after a crash. It keeps the process alive only while a request is in flight. A worker that
 * dies fails its requests (the caller keeps its last good bundle); one that never became ready (the
 * script cannot be loaded) fails them with WorkerUnavailableError.
 */
export class ActivationWorker {
  private worker?: Worker;
  private ready = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idle?: NodeJS.Timeout;

  constructor(private readonly script: URL, private readonly jobTimeoutMs = JOB_TIMEOUT_MS) {}

  request<T>(req: Distribute<WorkerRequest>, transfer: ArrayBuffer[] = []): Promise<T> {
    const w = this.worker ?? this.spawn();
    clearTimeout(this.idle);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.hung(w), this.jobTimeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      w.ref();
      try {
        w.postMessage({ ...req, id }, transfer);
      } catch (err) {
        // e.g. something in the request cannot be cloned: fail this request only
        clearTimeout(timer);
        this.pending.delete(id);
        if (this.pending.size === 0) this.goIdle(w);
        reject(err as Error);
      }
    });
  }

  /** Requests in flight. */
  get busy(): number {
    return this.pending.size;
  }

  /** Stop the worker now (tests, shutdown); requests in flight fail. */
  async stop(): Promise<void> {
    clearTimeout(this.idle);
    const w = this.worker;
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    const w = startWorker(this.script);
    this.worker = w;
    this.ready = false;
    w.on('message', (m: WorkerMessage) => {
      if (w !== this.worker) return;
      if ('ready' in m) { this.ready = true; return; }
      const p = this.pending.get(m.id);
      if (!p) return;
      clearTimeout(p.timer);
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result); else p.reject(fromWire(m.error));
      if (this.pending.size === 0) this.goIdle(w);
    });
    const died = (why: string): void => {
      if (w !== this.worker) return;
      this.worker = undefined;
      clearTimeout(this.idle);
      const err = this.ready ? new Error(`the policy activation worker stopped: ${why}`) : new WorkerUnavailableError(`the policy activation worker could not start: ${why}`);
      for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(err); }
      this.pending.clear();
    };
    w.on('error', (err) => died(err.message));
    w.on('exit', (code) => died(this.timedOut.has(w) ? `a job ran longer than ${this.jobTimeoutMs / 1000} s` : `exit code ${code}`));
    return w;
  }

  private readonly timedOut = new WeakSet<Worker>();

  /** A job ran past its deadline: stop the worker (its jobs fail through the exit handler). */
  private hung(w: Worker): void {
    if (w !== this.worker) return;
    this.timedOut.add(w);
    void w.terminate();
  }

  private goIdle(w: Worker): void {
    w.unref();
    this.idle = setTimeout(() => { if (this.worker === w && this.pending.size === 0) { this.worker = undefined; void w.terminate(); } }, IDLE_MS);
    this.idle.unref();
  }
}

/**
 * A worker running `script`. Built (.js): directly. From TypeScript sources (`node --import tsx`, tests):
 * Node 20 does not apply --import loader hooks to a worker's entry, so a one-line bootstrap registers
 * tsx in the worker first.
 */
function startWorker(script: URL): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(fileURLToPath(script));
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script.href)}); });`, { eval: true });
}

/** The worker script next to this file (worker.ts under tsx, worker.js once built). */
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const activationWorker = new ActivationWorker(new URL(`./worker${ext}`, import.meta.url));
