import { decodeQueryComponent, percentDecode } from '../../common/percent-decode.js';
import type { RequestContext } from '../../pipeline/context.js';
import { DEFAULT_OWNED, forwardedHeaders } from '../../pipeline/owned-headers.js';
import { forEachParam, MAX_QUERY_PARAMS, query } from '../../pipeline/query.js';
import type { OwnedHeaders } from '../../pipeline/respond.js';
import { BodyParseError, parseBody } from './body.js';
import { ExactNumbers, exactJson } from './exact-numbers.js';
import { envoyAttributes } from './envoy-attributes.js';

export interface InputOptions {
  /** Parse JSON / form bodies into input.parsed_body (OPA-Envoy's default; skip-request-body-parse turns it off). */
  parseBody: boolean;
  /**
   * The headers Portcullis owns: in input.attributes.request.http.headers they show what the upstream will
   * receive (the value identity forwards), never the client's copy. Default: x-portcullis-* only.
   */
  owned?: OwnedHeaders;
}

const VERSION = Object.freeze({ encoding: 'protojson', ext_authz: 'v3' });

/**
 * OPA-Envoy's parsed_path: the decoded path without leading slashes, split on "/". Each escape is decoded
 * on its own (common/percent-decode.ts): one malformed or non-UTF-8 escape no longer leaves the whole
 * path undecoded (/%61dmin/%FF is ["admin", "\uFFFD"], as the upstream reads it).
 */
export function parsedPath(path: string): string[] {
  return percentDecode(path).replace(/^\/+/, '').split('/');
}

/** Whether `raw` holds more than `max` parameters (counting stops at max + 1). */
export function paramsOver(raw: string, max: number): boolean {
  let n = 0;
  forEachParam(raw, () => ++n <= max);
  return n > max;
}

/**
 * OPA-Envoy's parsed_query: name → [values]. Null-prototype so "__proto__" is just a name. The request's
 * parsed query keeps at most MAX_QUERY_PARAMS parameters: a query with more is refused (BodyParseError,
 * 400) rather than shown to the policy without the rest, where a parameter it refuses could hide.
 */
export function parsedQuery(ctx: RequestContext): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>;
  let n = 0;
  if (ctx.rawQuery.includes('%')) {
    // each escape on its own: the request's cached query keeps a component with a malformed or non-UTF-8
    // escape raw as a whole (the threat module inspects such escapes raw), hiding its other escapes
    forEachParam(ctx.rawQuery, (k, v) => {
      if (++n > MAX_QUERY_PARAMS) return false;
      (out[k] ??= []).push(v);
      return true;
    }, decodeQueryComponent);
    if (n > MAX_QUERY_PARAMS) throw new BodyParseError(`the query has more than ${MAX_QUERY_PARAMS} parameters`);
    return out;
  }
  for (const [k, v] of query(ctx)) { out[k] = v; n += v.length; }
  if (n >= MAX_QUERY_PARAMS && paramsOver(ctx.rawQuery, MAX_QUERY_PARAMS)) {
    throw new BodyParseError(`the query has more than ${MAX_QUERY_PARAMS} parameters`);
  }
  return out;
}

/**
 * Portcullis's facts under input.portcullis. An anonymous identity (a route's allow_anonymous, identity
 * failing open) is no identity: `identity` is absent, so a policy's `not input.portcullis.identity` holds.
 */
export function portcullisFacts(ctx: RequestContext): Record<string, unknown> {
  const id = ctx.identity?.kind === 'anonymous' ? undefined : ctx.identity;
  return {
    route: ctx.route,
    request_id: ctx.requestId,
    decision_id: ctx.decisionId,
    client: ctx.client.country ? { ip: ctx.client.ip, country: ctx.client.country } : { ip: ctx.client.ip },
    identity: id && {
      kind: id.kind, subject: id.subject, issuer: id.issuer, roles: id.roles, claims: id.claims, plan: id.plan,
    },
    risk: { score: ctx.risk.score, findings: ctx.risk.findings },
    limits: ctx.limits.map((l) => ({ name: l.name, limit: l.limit, remaining: l.remaining, reset_ms: l.resetMs, over_limit: l.overLimit })),
  };
}

/**
 * The input document: the same shape OPA-Envoy builds (attributes, parsed_path, parsed_query,
 * parsed_body, truncated_body, version) plus input.portcullis. Owned headers show what Portcullis forwards
 * (owned-headers.ts), as Envoy's jwt_authn has already written its headers when opa-envoy runs. Throws BodyParseError for a body whose
 * content type says JSON (or a form) but that does not parse.
 */
export function buildInput(ctx: RequestContext, opts: InputOptions): Record<string, unknown> {
  const input: Record<string, unknown> = {
    attributes: envoyAttributes(ctx, forwardedHeaders(ctx, opts.owned ?? DEFAULT_OWNED)),
    parsed_path: parsedPath(ctx.path),
    parsed_query: parsedQuery(ctx),
    version: VERSION,
    portcullis: portcullisFacts(ctx),
  };
  if (opts.parseBody) {
    const numbers = new ExactNumbers();
    const b = parseBody(ctx.headers['content-type'], ctx.body, ctx.bodyTruncated, { numbers, holder: input, member: 'parsed_body' });
    input.parsed_body = b.parsed ?? null;
    input.truncated_body = b.truncated;
    if (numbers.holders) exactInputs.set(input, numbers);
  }
  return input;
}

const exactInputs = new WeakMap<object, ExactNumbers>();

/**
 * What to hand the Wasm policy for an input from buildInput: the input itself, or — when its body has numbers
 * a double would round — the input's JSON text with those numbers as the body wrote them (exact-numbers.ts).
 */
export function wasmInput(input: Record<string, unknown>): unknown {
  const exact = exactInputs.get(input);
  if (!exact) return input;
  return new TextEncoder().encode(exactJson(input, exact)).buffer;
}
