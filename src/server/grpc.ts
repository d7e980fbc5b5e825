import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { RuntimeHolder } from '../config/reloader.js';
import { check } from '../pipeline/check.js';
import { HealthService } from './health.js';
import { HealthSync } from './health-sync.js';
import type { Readiness } from './probe-endpoints.js';
import { serviceDef } from './protos.js';
import { timerMs } from '../common/timers.js';

export const AUTH_SERVICE = 'envoy.service.auth.v3.Authorization';
export const RLS_SERVICE = 'envoy.service.ratelimit.v3.RateLimitService';

export interface GrpcSettings {
  address: string;
  maxReceiveBytes: number;
  maxSendBytes: number;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  maxConnectionIdleMs?: number;
  maxConcurrentStreams?: number;
}

export class GrpcServer {
  readonly server: grpc.Server;
  readonly health = new HealthService([AUTH_SERVICE, RLS_SERVICE]);
  /** grpc.health.v1 follows `readiness` (/readyz's answer) from listen() to drain(). */
  private readonly healthSync: HealthSync;
  port = 0;

  constructor(private readonly holder: RuntimeHolder, private readonly logger: Logger, private readonly s: GrpcSettings, readiness: () => Readiness) {
    this.healthSync = new HealthSync(holder, readiness, this.health, logger);
    const options: grpc.ServerOptions = {
      'grpc.max_receive_message_length': s.maxReceiveBytes,
      'grpc.max_send_message_length': s.maxSendBytes,
      'grpc.keepalive_time_ms': s.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': s.keepaliveTimeoutMs,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5000,
    };
    if (s.maxConnectionIdleMs) options['grpc.max_connection_idle_ms'] = s.maxConnectionIdleMs;
    if (s.maxConcurrentStreams) options['grpc.max_concurrent_streams'] = s.maxConcurrentStreams;
    this.server = new grpc.Server(options);
    this.server.addService(serviceDef(AUTH_SERVICE), {
      Check: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
        this.holder.run((rt) => check(rt, call.request, this.logger)).then((r) => cb(null, r), (err) => {
          // check() never rejects; this is a last line of defence
          this.logger.error({ err }, 'check rejected');
          cb({ code: grpc.status.INTERNAL, details: 'ERR_INTERNAL' });
        });
      },
    });
    this.server.addService(serviceDef(RLS_SERVICE), {
      ShouldRateLimit: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
        this.holder.run((rt) => {
          const rl = rt.modules.get('ratelimit');
          return rl?.shouldRateLimit ? rl.shouldRateLimit(call.request) : Promise.resolve({ overall_code: 'OK' });
        }).then((r) => cb(null, r), (err) => {
          // a malformed request (RlsRequestError: empty domain, no descriptors…): the caller's error, named
          const status = (err as { grpcStatus?: unknown })?.grpcStatus;
          if (status === grpc.status.INVALID_ARGUMENT) {
            this.logger.debug({ err: (err as Error).message }, 'ShouldRateLimit: invalid request');
            cb({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
            return;
          }
          this.logger.error({ err }, 'ShouldRateLimit failed');
          cb({ code: grpc.status.INTERNAL, details: 'ERR_INTERNAL' });
        });
      },
    });
    this.server.addService(serviceDef('grpc.health.v1.Health'), this.health.implementation());
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(this.s.address, grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) { reject(err); return; }
        this.port = port;
        this.healthSync.start();
        resolve(port);
      });
    });
  }

  /** NOT_SERVING, stop accepting, let in-flight calls finish up to timeoutMs, then force. */
  drain(timeoutMs: number): Promise<'drained' | 'forced'> {
    this.healthSync.stop();
    this.health.setAll('NOT_SERVING');
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.server.forceShutdown(); resolve('forced'); }, timerMs(timeoutMs));
      this.server.tryShutdown(() => { clearTimeout(timer); resolve('drained'); });
      this.health.endWatches();
    });
  }
}
