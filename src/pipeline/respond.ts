import type { Decision } from './decision.js';
import type { Deny } from './deny.js';
import type { HeaderPair, RequestContext } from './context.js';
import { toStruct } from './struct.js';
import { nameRepeats, sameHeaderName } from './upstream-headers.js';

/** gRPC status codes used in CheckResponse.status. */
const GRPC_OK = 0;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAUTHENTICATED = 16;

export const DECISION_ID_HEADER = 'x-portcullis-decision-id';

export interface OwnedHeaders {
  prefixes: readonly string[];
  names: ReadonlySet<string>;
}

/** Outside a runtime (tests, tools): the default prefix only. */
export const DEFAULT_OWNED: OwnedHeaders = Object.freeze({ prefixes: Object.freeze(['x-portcullis-']), names: new Set<string>() });

/** `name` (lower case) is a header Portcullis owns: one of its names, or under one of its prefixes. */
export function isOwned(owned: OwnedHeaders, name: string): boolean {
  if (owned.names.has(name)) return true;
  for (const p of owned.prefixes) if (name.startsWith(p)) return true;
  return false;
}

/** HeaderValueOption.append_action values. */
const APPEND_IF_EXISTS_OR_ADD = 0;
const OVERWRITE_IF_EXISTS_OR_ADD = 2;

/**
 * Headers to the client (denied response, response_headers_to_add). A name given once replaces the one the
 * upstream (or Envoy) set; a name given several times is added once per value (several `Set-Cookie` all
 * arrive) — next to any the upstream set under that name, as Envoy 1.40 applies append_action here.
 */
function hvo(pairs: HeaderPair[]): HeaderValueOption[] {
  return pairs.map(([key, value], i) => ({ header: { key, value }, append_action: nameRepeats(pairs, i, false) ? APPEND_IF_EXISTS_OR_ADD : OVERWRITE_IF_EXISTS_OR_ADD }));
}

/** Upstream request headers: the first value of a name replaces the client's, the others are appended to it. */
function upstreamHvo(pairs: HeaderPair[]): HeaderValueOption[] {
  return pairs.map(([key, value], i) => (nameRepeats(pairs, i, true)
    ? { header: { key, value }, append: { value: true } }
    : { header: { key, value }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }));
}

interface HeaderValueOption { header: { key: string; value: string }; append_action?: number; append?: { value: boolean } }

/** A body that is a JSON object or array (a policy's `json.marshal(...)`): Envoy would label it text/plain. */
function looksLikeJson(body: string): boolean {
  const a = body.trimStart()[0];
  const z = body.trimEnd().at(-1);
  return (a === '{' && z === '}') || (a === '[' && z === ']');
}

function hasContentType(h: Deny['headers']): boolean {
  if (h === undefined) return false;
  for (const k in h) if (sameHeaderName(k, 'content-type')) return true;
  return false;
}

/**
 * Owned headers that we do not overwrite: remove them. Every owned NAME (identity forward headers, risk
 * headers, routes' upstream_headers …) is removed whether or not the CheckRequest carried it — an ext_authz
 * filter with `allowed_headers` does not send Portcullis a client's forged copy, and it would reach the
 * upstream. Names only under an owned prefix (x-portcullis-*) can be removed only when seen: Envoy removes
 * by name.
 */
export function spoofedHeaders(ctx: RequestContext, owned: OwnedHeaders, setting: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const name in ctx.headers) {
    if (!setting.has(name) && isOwned(owned, name)) out.push(name);
  }
  for (const name of owned.names) {
    if (!setting.has(name) && ctx.headers[name] === undefined) out.push(name);
  }
  return out;
}

/** Pairs without the decision id: Portcullis sets it, once, and nothing a stage, policy or route adds replaces it. */
function withoutDecisionId(pairs: HeaderPair[]): HeaderPair[] {
  for (const p of pairs) if (sameHeaderName(p[0], DECISION_ID_HEADER)) return pairs.filter((q) => !sameHeaderName(q[0], DECISION_ID_HEADER));
  return pairs;
}

export function denyBody(code: string, message: string, decisionId: string): string {
  return JSON.stringify({ error: code, message, decision_id: decisionId });
}

/** The one place a Decision becomes an envoy.service.auth.v3.CheckResponse. */
export function toCheckResponse(d: Decision, owned: OwnedHeaders): any {
  const ctx = d.ctx;
  // the keys Envoy's access log joins on are Portcullis's: a stage's (a policy's) metadata cannot replace them
  const dyn = toStruct({ ...ctx.dynamicMetadata, decision_id: ctx.decisionId, route: ctx.route, code: d.code });
  if (d.allowed) {
    const upstream: HeaderPair[] = [[DECISION_ID_HEADER, ctx.decisionId], ...withoutDecisionId(ctx.upstreamHeaders)];
    // lower case: owned names and the request's header names are; a stage may set one in another case
    const setting = new Set(upstream.map((p) => p[0].toLowerCase()));
    const remove = spoofedHeaders(ctx, owned, setting);
    for (const h of ctx.upstreamHeadersToRemove) if (!setting.has(h)) remove.push(h);
    return {
      status: { code: GRPC_OK, message: '' },
      ok_response: {
        headers: upstreamHvo(upstream),
        headers_to_remove: remove,
        response_headers_to_add: hvo([[DECISION_ID_HEADER, ctx.decisionId], ...withoutDecisionId(ctx.responseHeaders)]),
        query_parameters_to_set: ctx.queryParamsToSet.map(([key, value]) => ({ key, value })),
        query_parameters_to_remove: ctx.queryParamsToRemove,
      },
      dynamic_metadata: dyn,
    };
  }
  const deny = d.deny!;
  const headers: HeaderPair[] = [[DECISION_ID_HEADER, ctx.decisionId]];
  // the Deny's own content-type, when it names one, is the only one (two would be appended as two lines)
  if (!hasContentType(deny.headers) && (deny.body === undefined || looksLikeJson(deny.body))) headers.push(['content-type', 'application/json']);
  if (deny.headers) {
    for (const k of Object.keys(deny.headers)) {
      if (sameHeaderName(k, DECISION_ID_HEADER)) continue;
      const v = deny.headers[k]!;
      if (typeof v === 'string') headers.push([k, v]);
      else for (const x of v) headers.push([k, x]);
    }
  }
  return {
    status: { code: deny.status === 401 ? GRPC_UNAUTHENTICATED : GRPC_PERMISSION_DENIED, message: deny.code },
    denied_response: {
      status: { code: deny.status },
      headers: hvo(headers),
      body: deny.body ?? denyBody(deny.code, deny.message, ctx.decisionId),
    },
    dynamic_metadata: dyn,
  };
}
