import { metrics } from '../telemetry/metrics.js';
import type { RequestContext } from './context.js';
import { Deny } from './deny.js';
import type { CompiledRoute } from './route-table.js';
import type { StageOutcome } from './stage.js';

export interface RunResult {
  deny?: Deny;
  stage?: string;
  /** Set when a stage threw and the route failed open. */
  failOpenStage?: string;
  error?: unknown;
}

function isPromise(x: unknown): x is Promise<StageOutcome> {
  return x !== null && typeof x === 'object' && typeof (x as Promise<unknown>).then === 'function';
}

/** Run the route's stages in order; the first Deny ends the pass. */
export async function runPipeline(route: CompiledRoute, ctx: RequestContext): Promise<RunResult> {
  let failOpenStage: string | undefined;
  for (const stage of route.stages) {
    const started = process.hrtime.bigint();
    let outcome: StageOutcome;
    try {
      const r = stage.run(ctx);
      outcome = isPromise(r) ? await r : r;
    } catch (error) {
      metrics.stageDuration.observe({ stage: stage.name }, Number(process.hrtime.bigint() - started) / 1e9);
      if (!route.failOpen) return { deny: new Deny('ERR_INTERNAL', 'internal error while evaluating the request'), stage: stage.name, error };
      metrics.failOpen.inc({ route: route.name, stage: stage.name });
      failOpenStage = stage.name;
      continue;
    }
    metrics.stageDuration.observe({ stage: stage.name }, Number(process.hrtime.bigint() - started) / 1e9);
    if (outcome instanceof Deny) return { deny: outcome, stage: stage.name, failOpenStage };
  }
  return { failOpenStage };
}
