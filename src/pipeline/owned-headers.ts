import type { RequestContext } from './context.js';
import { DECISION_ID_HEADER, DEFAULT_OWNED, isOwned, type OwnedHeaders } from './respond.js';

export { DEFAULT_OWNED, isOwned };

/**
 * Request headers as the upstream will receive them from Portcullis, for the headers Portcullis owns
 * (identity's forward headers, the threat module's risk headers, route `upstream_headers`, every
 * `x-portcullis-*` name): a client's copy of an owned header is stripped on the way upstream, so nothing
 * that decides about the request (the policy input, a rate-limit key) may read it. An owned header shows
 * the value(s) an earlier stage set for the upstream (ctx.upstreamHeaders), or is absent.
 */

/** What the earlier stages set upstream under `name` (lower case), joined as Envoy joins appended values; undefined: nothing. */
function upstreamValue(ctx: RequestContext, name: string): string | undefined {
  let out: string | undefined;
  for (const [k, v] of ctx.upstreamHeaders) {
    if (k !== name && k.toLowerCase() !== name) continue;
    out = out === undefined ? v : `${out},${v}`;
  }
  return out;
}

/**
 * ctx.headers with every owned header replaced by what the upstream will receive. The common case (no
 * owned header sent by the client, none set by a stage) returns ctx.headers itself: no copy.
 */
export function forwardedHeaders(ctx: RequestContext, owned: OwnedHeaders): Readonly<Record<string, string>> {
  const headers = ctx.headers;
  let touched = false;
  for (const name in headers) if (isOwned(owned, name)) { touched = true; break; }
  if (!touched) {
    for (const [k] of ctx.upstreamHeaders) if (isOwned(owned, k.toLowerCase())) { touched = true; break; }
    if (!touched) return headers;
  }
  const out = Object.create(null) as Record<string, string>;
  for (const name in headers) if (!isOwned(owned, name)) out[name] = headers[name]!;
  for (const [k, v] of ctx.upstreamHeaders) {
    const name = k.toLowerCase();
    // the decision id is Portcullis's own (respond.ts drops any a stage set); the input has it as portcullis.decision_id
    if (name === DECISION_ID_HEADER || !isOwned(owned, name)) continue;
    out[name] = out[name] === undefined ? v : `${out[name]},${v}`;
  }
  return out;
}

/** One header as the upstream will receive it: the client's value, or for an owned name the value a stage set (undefined: none). */
export function forwardedHeader(ctx: RequestContext, owned: OwnedHeaders, name: string): string | undefined {
  return isOwned(owned, name) ? (name === DECISION_ID_HEADER ? undefined : upstreamValue(ctx, name)) : ctx.headers[name];
}
