import type { Logger } from 'pino';
import { RuntimeHolder } from './config/reloader.js';
import { AdminServer } from './server/admin.js';
import { GrpcServer } from './server/grpc.js';
import { warnAdminExposure } from './server/admin-exposure.js';
import { listenAddressFromEnv } from './server/listen-address.js';
import { MetricsServer } from './server/metrics-server.js';
import { createLogger } from './telemetry/logger.js';
import { metrics } from './telemetry/metrics.js';
import { VERSION } from './version.js';

export interface Service {
  holder: RuntimeHolder;
  grpc: GrpcServer;
  admin: AdminServer;
  /** The metrics/health listener, when `server.metrics.address` (or PORTCULLIS_METRICS_ADDRESS) is set. */
  metrics?: MetricsServer;
  logger: Logger;
  stop(): Promise<void>;
}

/** Composition root: load config → build stores/modules → start servers. Throws ConfigLoadError. */
export async function startService(configFile: string | undefined, logger: Logger = createLogger()): Promise<Service> {
  metrics.buildInfo.set({ version: VERSION, node: process.versions.node }, 1);
  // the config's address passes the schema; the environment's is checked here, before anything starts
  const metricsEnv = listenAddressFromEnv('PORTCULLIS_METRICS_ADDRESS');
  const adminEnv = listenAddressFromEnv('PORTCULLIS_ADMIN_ADDRESS');
  const grpcEnv = listenAddressFromEnv('PORTCULLIS_GRPC_ADDRESS');
  const holder = new RuntimeHolder(configFile, logger);
  await holder.start();
  const srv = holder.current.config.server ?? {};
  const g = srv.grpc ?? {};
  const admin = new AdminServer(holder, logger);
  const grpc = new GrpcServer(holder, logger, {
    address: grpcEnv ?? g.address ?? '127.0.0.1:9191',
    maxReceiveBytes: g.max_receive_message_bytes ?? 8 * 1024 * 1024,
    maxSendBytes: g.max_send_message_bytes ?? 4 * 1024 * 1024,
    keepaliveTimeMs: g.keepalive_time_ms ?? 30_000,
    keepaliveTimeoutMs: g.keepalive_timeout_ms ?? 10_000,
    maxConnectionIdleMs: g.max_connection_idle_ms,
    maxConcurrentStreams: g.max_concurrent_streams,
  }, () => admin.readiness());
  const adminAddress = adminEnv ?? srv.admin?.address ?? '127.0.0.1:9901';
  const metricsAddress = metricsEnv ?? srv.metrics?.address;
  let metricsServer: MetricsServer | undefined;
  /** Stop the listeners (gRPC drained up to drainMs), then the runtime; its sinks get drainMs to deliver. */
  const shutDown = async (drainMs: number): Promise<void> => {
    holder.beginShutdown();
    admin.draining = true;
    const how = await grpc.drain(drainMs);
    logger.info({ how }, 'grpc server stopped');
    await admin.close();
    await metricsServer?.close();
    // the sinks get their own drain_timeout_ms to deliver queued security events (then what is left is dropped, counted)
    await holder.close(Date.now() + drainMs);
  };
  let grpcPort: number, adminPort: number;
  try {
    grpcPort = await grpc.listen();
    adminPort = await admin.listen(adminAddress);
    if (metricsAddress !== undefined) {
      metricsServer = new MetricsServer(() => admin.readiness(), logger);
      await metricsServer.listen(metricsAddress);
    }
  } catch (err) {
    // a port taken after the config loaded: close what started (listeners, the runtime's stores and sinks), then fail
    await shutDown(0);
    throw err;
  }
  warnAdminExposure(holder, adminAddress, logger);
  holder.watch();
  logger.info({ grpc_port: grpcPort, admin_port: adminPort, metrics_port: metricsServer?.port, config: holder.current.file, version: VERSION }, 'portcullis started');
  const drainMs = srv.drain_timeout_ms ?? 5000;
  let stopping: Promise<void> | undefined;
  return {
    holder, grpc, admin, metrics: metricsServer, logger,
    stop() {
      stopping ??= shutDown(drainMs);
      return stopping;
    },
  };
}

/** `portcullis serve`: signals reload (SIGHUP) and drain (SIGTERM/SIGINT, exit 0). */
export async function serve(configFile: string | undefined): Promise<void> {
  const logger = createLogger();
  let svc: Service;
  try {
    svc = await startService(configFile, logger);
  } catch (err) {
    process.stderr.write(`portcullis: cannot start:\n${(err as Error).message}\n`);
    logger.flush?.();
    process.exit(1);
  }
  process.on('SIGHUP', () => void svc.holder.reload('SIGHUP'));
  const shutdown = (sig: string) => {
    logger.info({ signal: sig }, 'draining');
    svc.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}
