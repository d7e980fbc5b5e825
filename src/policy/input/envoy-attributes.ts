import type { RequestContext } from '../../pipeline/context.js';
import { fromStruct } from '../../pipeline/struct.js';

/**
 * The CheckRequest's attributes in protojson form — what OPA-Envoy puts under input.attributes:
 * lowerCamelCase field names, empty/zero fields omitted, int64 as strings, bytes as base64,
 * Timestamps as RFC 3339, Structs as plain JSON. Map keys (headers, labels, context extensions,
 * metadata namespaces) are kept as they are.
 *
 * One deliberate superset: http.headers is always filled (Envoy's header_map form is folded in,
 * lower-case names, repeated headers joined with ","), and http.body carries the body as text when
 * Envoy sent it as raw bytes that are valid UTF-8.
 */

type Json = Record<string, unknown>;

function put(o: Json, k: string, v: unknown): void {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return;
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) return;
  o[k] = v;
}

function address(a: any): Json | undefined {
  if (!a || typeof a !== 'object') return undefined;
  if (a.socket_address) {
    const s = a.socket_address;
    const out: Json = {};
    if (s.protocol && s.protocol !== 'TCP' && s.protocol !== 0) put(out, 'protocol', typeof s.protocol === 'number' ? 'UDP' : s.protocol);
    put(out, 'address', s.address);
    put(out, 'portValue', Number(s.port_value ?? 0));
    put(out, 'namedPort', s.named_port);
    put(out, 'resolverName', s.resolver_name);
    put(out, 'ipv4Compat', s.ipv4_compat);
    return { socketAddress: out };
  }
  if (a.pipe) {
    const out: Json = {};
    put(out, 'path', a.pipe.path);
    put(out, 'mode', Number(a.pipe.mode ?? 0));
    return { pipe: out };
  }
  if (a.envoy_internal_address) {
    const out: Json = {};
    put(out, 'serverListenerName', a.envoy_internal_address.server_listener_name);
    put(out, 'endpointId', a.envoy_internal_address.endpoint_id);
    return { envoyInternalAddress: out };
  }
  return undefined;
}

function peer(p: any): Json | undefined {
  if (!p || typeof p !== 'object') return undefined;
  const out: Json = {};
  put(out, 'address', address(p.address));
  put(out, 'service', p.service);
  put(out, 'labels', p.labels);
  put(out, 'principal', p.principal);
  put(out, 'certificate', p.certificate);
  return out;
}

/** google.protobuf.Timestamp in protojson: UTC, 0/3/6/9 fractional digits. */
export function timestampJson(t: any): string | undefined {
  if (!t || t.seconds === undefined) return undefined;
  const seconds = Number(t.seconds);
  const nanos = Number(t.nanos ?? 0);
  // protojson's Timestamp range (0001-01-01 … 9999-12-31) and nanos in [0, 1e9): anything else is no timestamp
  if (!Number.isFinite(seconds) || seconds < -62135596800 || seconds > 253402300799) return undefined;
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) return undefined;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  const frac = String(nanos).padStart(9, '0');
  const digits = frac.endsWith('000000') ? 3 : frac.endsWith('000') ? 6 : 9;
  return `${base}.${frac.slice(0, digits)}Z`;
}

function metadata(m: any): Json | undefined {
  const fm = m?.filter_metadata;
  if (!fm || typeof fm !== 'object') return undefined;
  const out: Json = {};
  for (const ns of Object.keys(fm)) out[ns] = fromStruct(fm[ns]);
  return Object.keys(out).length > 0 ? { filterMetadata: out } : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function httpRequest(h: any, ctx: RequestContext, headers: Readonly<Record<string, string>>): Json {
  const out: Json = {};
  put(out, 'id', h?.id);
  put(out, 'method', ctx.method);
  out.headers = headers;
  put(out, 'path', ctx.rawPath);
  put(out, 'host', h?.host);
  put(out, 'scheme', h?.scheme);
  put(out, 'query', h?.query);
  put(out, 'fragment', h?.fragment);
  const size = Number(h?.size ?? 0);
  if (size !== 0 && Number.isFinite(size)) out.size = String(size);
  put(out, 'protocol', h?.protocol);
  const raw: Buffer | undefined = h?.raw_body && h.raw_body.length > 0 ? Buffer.from(h.raw_body) : undefined;
  if (h?.body) out.body = h.body;
  else if (raw) {
    try { out.body = utf8.decode(raw); } catch { /* binary body: rawBody only */ }
  }
  if (raw) out.rawBody = raw.toString('base64');
  return out;
}

/** `headers`: the request headers to show (default ctx.headers; the policy input passes owned-headers.ts's view). */
export function envoyAttributes(ctx: RequestContext, headers: Readonly<Record<string, string>> = ctx.headers): Json {
  const a = (ctx.raw as any)?.attributes ?? {};
  const out: Json = {};
  put(out, 'source', peer(a.source));
  put(out, 'destination', peer(a.destination));
  const request: Json = {};
  put(request, 'time', timestampJson(a.request?.time));
  request.http = httpRequest(a.request?.http, ctx, headers);
  out.request = request;
  put(out, 'contextExtensions', a.context_extensions);
  put(out, 'metadataContext', metadata(a.metadata_context));
  put(out, 'routeMetadataContext', metadata(a.route_metadata_context));
  if (a.tls_session?.sni) out.tlsSession = { sni: a.tls_session.sni };
  return out;
}
