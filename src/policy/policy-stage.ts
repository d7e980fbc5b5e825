import type { Logger } from 'pino';
import type { RequestContext } from '../pipeline/context.js';
import { Deny } from '../pipeline/deny.js';
import { setUpstreamHeaders } from '../pipeline/upstream-headers.js';
import type { Stage } from '../pipeline/stage.js';
import type { BundleTarget } from './bundle-target.js';
import { normalizeEntrypoint } from './config.js';
import type { DecisionEvent, DecisionLogger } from './decision-log/decision-logger.js';
import { BodyParseError } from './input/body.js';
import { buildInput, wasmInput, type InputOptions } from './input/build-input.js';
import { policyMetrics } from './metrics.js';
import { PolicyTimeoutError } from './wasm/engine.js';
import { interpretResult, type PolicyDecision } from './result.js';

/** Envoy context_extensions keys that pick the bundle / entrypoint for a request (set in Envoy's per-route config). */
export const CE_BUNDLE = 'policy_bundle';
export const CE_ENTRYPOINT = 'policy_entrypoint';

export interface PolicyStageOptions {
  route: string;
  target: BundleTarget;
  entrypoint: string;
  /** Every configured bundle, for context_extensions selection. */
  targets: ReadonlyMap<string, BundleTarget>;
  input: InputOptions;
  shadow: boolean;
  decisionLog?: DecisionLogger;
  logger: Logger;
}

/** The policy's headers for the denied response; a name given several values is sent once per value. */
function denyHeaders(pairs: PolicyDecision['headers']): Record<string, string[]> | undefined {
  if (pairs.length === 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, v] of pairs) (out[k] ??= []).push(v);
  return out;
}

/**
 * Rough size of the OPA input built from `ctx`, for the decision log's byte budget: the body twice (raw and
 * parsed), the headers, the path, and a constant for the rest. Lengths only: nothing is serialized.
 */
function inputBytes(ctx: RequestContext): number {
  let n = 1024 + 2 * ctx.body.length + ctx.path.length;
  for (const k in ctx.headers) n += k.length + ctx.headers[k]!.length;
  return n;
}

/**
 * The authorize-phase stage: builds the OPA-Envoy input, evaluates the route's entrypoint on the
 * bundle's active engine, and applies the result (headers to upstream / client, headers to remove,
 * dynamic metadata) or returns the policy's deny. Evaluation problems deny with ERR_POLICY, and so
 * does an evaluation stopped at the bundle's eval_timeout_ms (in shadow mode too: the deadline protects
 * the process, and the shadow wrapper turns the deny into a would-deny).
 * Synchronous: the engine is in memory and evaluation does no I/O.
 */
export class PolicyStage implements Stage {
  readonly name = 'policy';
  readonly phase = 'authorize' as const;
  private readonly mode: string;

  constructor(private readonly o: PolicyStageOptions) {
    this.mode = o.shadow ? 'shadow' : 'enforce';
  }

  private select(ctx: RequestContext): { target: BundleTarget; entrypoint: string } | string {
    const ce = ctx.contextExtensions;
    const b = ce[CE_BUNDLE];
    const e = ce[CE_ENTRYPOINT];
    if (b === undefined && e === undefined) return { target: this.o.target, entrypoint: this.o.entrypoint };
    const target = b === undefined ? this.o.target : this.o.targets.get(b);
    if (!target) return `context_extensions names bundle "${b}", which is not configured`;
    return { target, entrypoint: e === undefined ? this.o.entrypoint : normalizeEntrypoint(e) };
  }

  run(ctx: RequestContext): Deny | undefined {
    const sel = this.select(ctx);
    if (typeof sel === 'string') return this.fail(ctx, this.o.target, this.o.entrypoint, undefined, 'ERR_POLICY', sel, 403);
    const { target, entrypoint } = sel;
    const active = target.active;
    if (!active) return this.fail(ctx, target, entrypoint, undefined, 'ERR_POLICY', `policy bundle "${target.name}" is not loaded yet`, 503);

    let input: Record<string, unknown>;
    try {
      input = buildInput(ctx, this.o.input);
    } catch (err) {
      if (err instanceof BodyParseError) return this.fail(ctx, target, entrypoint, undefined, 'ERR_BAD_REQUEST', err.message, 400, true);
      throw err;
    }

    const started = process.hrtime.bigint();
    let value: unknown;
    let decision: PolicyDecision;
    try {
      value = active.engine.evaluate(entrypoint, wasmInput(input), undefined, target.evalTimeoutMs);
    } catch (err) {
      const timedOut = err instanceof PolicyTimeoutError;
      if (timedOut) policyMetrics.evalTimeouts.inc({ bundle: target.name });
      const ranNs = Number(process.hrtime.bigint() - started);
      return this.fail(ctx, target, entrypoint, input, 'ERR_POLICY', `evaluation failed: ${(err as Error).message}`, 403, false, undefined, timedOut, ranNs);
    }
    const evalNs = Number(process.hrtime.bigint() - started);
    policyMetrics.evalDuration.observe({ bundle: target.name }, evalNs / 1e9);
    try {
      decision = interpretResult(value);
    } catch (err) {
      return this.fail(ctx, target, entrypoint, input, 'ERR_POLICY', (err as Error).message, 403, false, value, false, evalNs);
    }
    ctx.policy = value;
    policyMetrics.decisions.inc({ bundle: target.name, result: decision.allowed ? 'allow' : 'deny', mode: this.mode });
    this.record(ctx, target, entrypoint, input, value, evalNs, decision.allowed ? undefined : 'ERR_POLICY_DENIED');
    if (decision.dynamicMetadata) Object.assign(ctx.dynamicMetadata, decision.dynamicMetadata);

    if (!decision.allowed) {
      return new Deny('ERR_POLICY_DENIED', 'denied by policy', decision.httpStatus, denyHeaders(decision.headers), decision.body);
    }
    // the policy's headers replace what earlier stages (identity forwarding) set under those names
    if (decision.headers.length > 0) setUpstreamHeaders(ctx, decision.headers);
    if (decision.responseHeadersToAdd.length > 0) ctx.responseHeaders.push(...decision.responseHeadersToAdd);
    if (decision.requestHeadersToRemove.length > 0) ctx.upstreamHeadersToRemove.push(...decision.requestHeadersToRemove);
    if (decision.queryParametersToSet.length > 0) ctx.queryParamsToSet.push(...decision.queryParametersToSet);
    if (decision.queryParametersToRemove.length > 0) ctx.queryParamsToRemove.push(...decision.queryParametersToRemove);
    return undefined;
  }

  private fail(
    ctx: RequestContext, target: BundleTarget, entrypoint: string, input: unknown, code: string, detail: string,
    status: number, clientVisible = false, result?: unknown, timedOut = false, evalNs = 0,
  ): Deny {
    policyMetrics.decisions.inc({ bundle: target.name, result: 'error', mode: this.mode });
    const line = { decision_id: ctx.decisionId, route: this.o.route, bundle: target.name, entrypoint, code, error: detail };
    // a client's malformed body is the client's problem (info); a policy that cannot run is ours (error)
    if (clientVisible) this.o.logger.info(line, 'policy input rejected');
    else if (status === 503) this.o.logger.warn(line, 'policy not available');
    // a big input (the client's) or a slow policy (ours): a warning, so hostile clients cannot flood the error log
    else if (timedOut) this.o.logger.warn(line, 'policy evaluation stopped at eval_timeout_ms');
    else this.o.logger.error(line, 'policy evaluation error');
    // (evalNs: how long the evaluation ran before it failed; 0 when it never started)
    this.record(ctx, target, entrypoint, input, result, evalNs, code, detail);
    // internal details stay in the log; the client learns only the code (and the decision id to quote)
    return new Deny(code, clientVisible ? detail : 'the authorization policy could not be evaluated', status);
  }

  private record(
    ctx: RequestContext, target: BundleTarget, entrypoint: string, input: unknown, result: unknown,
    evalNs: number, code?: string, error?: string,
  ): void {
    const log = this.o.decisionLog;
    if (!log) return;
    const e: DecisionEvent = {
      decision_id: ctx.decisionId,
      path: entrypoint,
      input,
      result,
      timestamp: new Date().toISOString(),
      metrics: { timer_rego_query_eval_ns: evalNs },
      bundles: { [target.name]: { revision: target.active?.revision ?? '' } },
      custom: { route: this.o.route, shadow: this.o.shadow, request_id: ctx.requestId, code },
    };
    if (error !== undefined) e.error = { code: code ?? 'ERR_POLICY', message: error };
    log.log(e, input === undefined ? 1024 : inputBytes(ctx));
  }
}
