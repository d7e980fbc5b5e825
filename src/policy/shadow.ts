import type { Logger } from 'pino';
import { Deny } from '../pipeline/deny.js';
import type { Stage, StageOutcome } from '../pipeline/stage.js';
import { metrics } from '../telemetry/metrics.js';

function isPromise(x: unknown): x is Promise<StageOutcome> {
  return x !== null && typeof x === 'object' && typeof (x as Promise<unknown>).then === 'function';
}

/**
 * Shadow mode around any stage: it runs as usual, but a deny it returns is recorded on the context
 * (ctx.shadowDenies), counted (portcullis_shadow_denies_total) and logged instead of ending the
 * request. Allowed results still apply (headers etc.), as in OPA-Envoy's dry-run. A stage that
 * throws is treated the same way (as ERR_INTERNAL): a shadowed stage never changes the outcome.
 */
export function shadowStage(inner: Stage, route: string, logger: Logger): Stage {
  const swallow = (ctx: Parameters<Stage['run']>[0], out: StageOutcome): undefined => {
    if (out instanceof Deny) {
      ctx.shadowDenies.push(out);
      metrics.shadowDenies.inc({ route, stage: inner.name, code: out.code });
      logger.info({ decision_id: ctx.decisionId, request_id: ctx.requestId, route, stage: inner.name, code: out.code, status: out.status }, 'shadow mode: would deny');
    }
    return undefined;
  };
  return {
    name: inner.name,
    phase: inner.phase,
    run(ctx) {
      const crashed = (err: unknown): undefined => {
        logger.error({ err, decision_id: ctx.decisionId, route, stage: inner.name }, 'shadow-mode stage failed');
        return swallow(ctx, new Deny('ERR_INTERNAL', 'internal error while evaluating the request'));
      };
      let out: StageOutcome | Promise<StageOutcome>;
      try { out = inner.run(ctx); } catch (err) { return crashed(err); }
      return isPromise(out) ? out.then((o) => swallow(ctx, o), crashed) : swallow(ctx, out);
    },
  };
}
