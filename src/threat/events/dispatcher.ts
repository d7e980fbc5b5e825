import type { Logger } from 'pino';
import { counter } from '../../telemetry/metrics.js';
import type { SecurityEvent } from './event.js';
import type { EventSink } from './sink.js';

/** `mode`: enforce (the action was taken) or detect (only logged: a detect-mode "block" let the request through). */
export const securityEvents = counter('portcullis_security_events_total', 'Security events by family, action and mode (enforce: the action was taken; detect: only logged)', ['family', 'action', 'mode'] as const);

/** Fans events out to every sink; never blocks the caller and never throws. */
export class EventDispatcher {
  constructor(readonly sinks: EventSink[], private readonly logger: Logger) {}

  emit(e: SecurityEvent): void {
    securityEvents.inc({ family: e.family, action: e.action, mode: e.mode });
    for (const s of this.sinks) {
      try { s.offer(e); } catch (err) { this.logger.warn({ sink: s.name, err: (err as Error).message }, 'security event sink failed'); }
    }
  }

  async flush(): Promise<void> { await Promise.all(this.sinks.map((s) => s.flush().catch(() => undefined))); }
}
