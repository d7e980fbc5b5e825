import type { Decision } from './decision.js';
import type { HeaderPair, RequestContext } from './context.js';
import { toStruct } from './struct.js';

/** gRPC status codes used in CheckResponse.status. */
const GRPC_OK = 0;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAUTHENTICATED = 16;

export const DECISION_ID_HEADER = 'x-portcullis-decision-id';

export interface OwnedHeaders {
  prefixes: readonly string[];
  names: ReadonlySet<string>;
}

function hvo(pairs: HeaderPair[]): Array<{ header: { key: string; value: string }; append_action: number }> {
  // OVERWRITE_IF_EXISTS_OR_ADD = 2: a client-sent header of the same name is replaced, never appended to.
  return pairs.map(([key, value]) => ({ header: { key, value }, append_action: 2 }));
}

/** Incoming headers Portcullis owns (x-portcullis-*, identity headers) that we do not overwrite: remove them. */
export function spoofedHeaders(ctx: RequestContext, owned: OwnedHeaders, setting: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const name in ctx.headers) {
    if (setting.has(name)) continue;
    if (owned.names.has(name)) { out.push(name); continue; }
    for (const p of owned.prefixes) if (name.startsWith(p)) { out.push(name); break; }
  }
  return out;
}

export function denyBody(code: string, message: string, decisionId: string): string {
  return JSON.stringify({ error: code, message, decision_id: decisionId });
}

/** The one place a Decision becomes an envoy.service.auth.v3.CheckResponse. */
export function toCheckResponse(d: Decision, owned: OwnedHeaders): any {
  const ctx = d.ctx;
  const dyn = toStruct({ decision_id: ctx.decisionId, route: ctx.route, code: d.code, ...ctx.dynamicMetadata });
  if (d.allowed) {
    const upstream: HeaderPair[] = [[DECISION_ID_HEADER, ctx.decisionId], ...ctx.upstreamHeaders];
    const setting = new Set(upstream.map((p) => p[0]));
    const remove = spoofedHeaders(ctx, owned, setting);
    for (const h of ctx.upstreamHeadersToRemove) if (!setting.has(h)) remove.push(h);
    return {
      status: { code: GRPC_OK, message: '' },
      ok_response: {
        headers: hvo(upstream),
        headers_to_remove: remove,
        response_headers_to_add: hvo([[DECISION_ID_HEADER, ctx.decisionId], ...ctx.responseHeaders]),
        query_parameters_to_set: ctx.queryParamsToSet.map(([key, value]) => ({ key, value })),
        query_parameters_to_remove: ctx.queryParamsToRemove,
      },
      dynamic_metadata: dyn,
    };
  }
  const deny = d.deny!;
  const headers: HeaderPair[] = [[DECISION_ID_HEADER, ctx.decisionId]];
  if (deny.body === undefined) headers.push(['content-type', 'application/json']);
  if (deny.headers) for (const k of Object.keys(deny.headers)) headers.push([k, deny.headers[k]!]);
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
