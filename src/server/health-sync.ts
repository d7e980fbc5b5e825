import type { Logger } from 'pino';
import type { RuntimeHolder } from '../config/reloader.js';
import type { KvStore } from '../store/types.js';
import type { HealthService, ServingStatus } from './health.js';
import type { Readiness } from './probe-endpoints.js';

/** ioredis status events (Redis and Cluster): the store's `ready()` may have changed when one fires. */
const STORE_EVENTS = ['connecting', 'connect', 'ready', 'disconnecting', 'close', 'reconnecting', 'end', 'wait', 'error'] as const;

/** How often the modules' background loads (JWKS, bundles, feeds, revocation sync) are re-read: they signal nothing. */
export const MODULE_RECHECK_MS = 1000;

/**
 * Keeps grpc.health.v1 (the '' service and the named ones) at /readyz's answer, as envoyproxy/ratelimit marks
 * its health NOT_SERVING when its redis component fails and SERVING when every component is healthy again.
 * Pushed, not polled per health call: re-evaluated when the store's connection changes state (ioredis
 * events), when a reload swaps the config (and maybe the store) in, and every MODULE_RECHECK_MS for the
 * modules' own readiness. A Watch stream is sent each change once.
 *
 * Only with `server.grpc.health_follows_readiness: true` (read at every evaluation, so a reload changes it).
 * By default SERVING from start to shutdown whatever the store and modules say, envoyproxy/ratelimit's default
 * (its Redis health check is opt-in): one shared Redis outage would otherwise take every replica out of
 * Envoy's rotation, and with `healthy_panic_threshold: 0` (this repo's Envoy template) Envoy would then deny
 * every request, also on routes whose config says to fail open.
 */
export class HealthSync {
  private timer?: NodeJS.Timeout;
  private store?: KvStore;
  private detachStore?: () => void;
  private offSwap?: () => void;
  private last?: ServingStatus;

  constructor(
    private readonly holder: RuntimeHolder,
    private readonly readiness: () => Readiness,
    private readonly health: HealthService,
    private readonly logger: Logger,
    private readonly recheckMs = MODULE_RECHECK_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.offSwap = this.holder.onSwap(() => this.update());
    this.update();
    this.timer = setInterval(() => this.update(), this.recheckMs);
    this.timer.unref();
  }

  /** Re-evaluates now; a change is set on every service (Check answers it, Watch streams are sent it). */
  update(): void {
    if (this.holder.store !== this.store) this.follow(this.holder.store);
    const follows = this.holder.current?.config.server?.grpc?.health_follows_readiness === true;
    let r: Readiness | undefined;
    try {
      r = follows ? this.readiness() : undefined;
    } catch (err) {
      // a module's ready() that throws: not ready (this runs in ioredis's event emitter and a timer: never throw there)
      this.logger.error({ err }, 'grpc health: the readiness check failed');
      r = { ready: false, draining: false, checks: {} };
    }
    const status: ServingStatus = r === undefined || r.ready ? 'SERVING' : 'NOT_SERVING';
    if (status === this.last) return;
    if (this.last !== undefined || status !== 'SERVING') {
      const failed = r ? Object.entries(r.checks).filter(([, ok]) => !ok).map(([k]) => k) : [];
      if (status === 'SERVING') this.logger.info('grpc health: SERVING (ready again)');
      else this.logger.warn({ failed_checks: failed }, 'grpc health: NOT_SERVING (not ready)');
    }
    this.last = status;
    this.health.setAll(status);
  }

  /** Listens to `store`'s connection (the one live now) instead of the one before. */
  private follow(store: KvStore | undefined): void {
    this.detachStore?.();
    this.detachStore = undefined;
    this.store = store;
    const client = store?.redis;
    if (client === undefined) return;
    const onEvent = (): void => this.update();
    for (const e of STORE_EVENTS) client.on(e, onEvent);
    this.detachStore = () => { for (const e of STORE_EVENTS) client.off(e, onEvent); };
  }

  /** Stops following (shutdown: the caller then sets NOT_SERVING). */
  stop(): void {
    clearInterval(this.timer);
    this.offSwap?.();
    this.detachStore?.();
    this.detachStore = undefined;
  }
}
