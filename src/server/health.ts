import * as grpc from '@grpc/grpc-js';

export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** grpc.health.v1: '' is the whole server; services are named by their full proto names. */
export class HealthService {
  private readonly status = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<grpc.ServerWritableStream<any, any>>>();

  constructor(services: string[]) {
    for (const s of ['', ...services]) this.status.set(s, 'NOT_SERVING');
  }

  setAll(status: ServingStatus): void {
    for (const s of this.status.keys()) this.set(s, status);
  }

  /** A Watch stream is sent the new status only when it changed (grpc.health.v1: a message per change). */
  set(service: string, status: ServingStatus): void {
    if (this.status.get(service) === status) return;
    this.status.set(service, status);
    for (const w of this.watchers.get(service) ?? []) w.write({ status });
  }

  get(service: string): ServingStatus | undefined { return this.status.get(service); }

  implementation(): grpc.UntypedServiceImplementation {
    return {
      Check: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
        const s = this.status.get(call.request?.service ?? '');
        if (s === undefined) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else cb(null, { status: s });
      },
      Watch: (call: grpc.ServerWritableStream<any, any>) => {
        const name = call.request?.service ?? '';
        call.write({ status: this.status.get(name) ?? 'SERVICE_UNKNOWN' });
        let set = this.watchers.get(name);
        if (!set) { set = new Set(); this.watchers.set(name, set); }
        set.add(call);
        // an emptied set goes too: the service name is the caller's, and a map of every name ever watched would grow without bound
        const drop = () => { if (set!.delete(call) && set!.size === 0 && this.watchers.get(name) === set) this.watchers.delete(name); };
        call.on('cancelled', drop);
        call.on('close', drop);
        call.on('error', drop);
      },
    };
  }

  /** Service names with at least one open Watch stream. */
  get watchedNames(): number { return this.watchers.size; }

  /** End all Watch streams (shutdown). */
  endWatches(): void {
    for (const set of this.watchers.values()) for (const w of set) w.end();
    this.watchers.clear();
  }
}
