import { isIP } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Peer, RequestContext } from './context.js';
import { BadRequestError } from './deny.js';

export interface RequestLimits {
  maxPathBytes: number;
  maxHeaders: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxPathBytes: 16 * 1024,
  maxHeaders: 200,
  maxHeaderBytes: 96 * 1024,
  maxBodyBytes: 4 * 1024 * 1024,
};

export interface ContextOptions {
  limits: RequestLimits;
  /** Number of trusted proxies in front of Envoy that append to X-Forwarded-For (0: ignore XFF). */
  trustedHops: number;
}

const EMPTY_PEER: Peer = Object.freeze({ address: '', port: 0, principal: '', certificate: '', labels: {}, service: '' }) as Peer;
const EMPTY_BODY = Buffer.alloc(0);
const REPLACEMENT = '\uFFFD';

/**
 * Not valid UTF-8 on the wire (the decoder's U+FFFD), or not encodable as UTF-8 at all (a lone
 * surrogate, which only a direct caller can pass). isWellFormed is O(1) for one-byte strings.
 */
function notUtf8(s: string): boolean {
  return s.includes(REPLACEMENT) || !(s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

// The proto decoder only produces strings, Buffers, numbers and objects where the .proto says so; a
// caller handing check() anything else (null, wrong types) gets ERR_BAD_REQUEST, never an exception.
function bad(field: string): never {
  throw new BadRequestError('ERR_BAD_REQUEST', `CheckRequest field ${field} has the wrong type`);
}

// `field` and `sub` name the field only for the error message: the name is joined when it is needed, so
// the request that is well-formed builds no strings for it
const named = (field: string, sub: string): string => (sub === '' ? field : `${field}.${sub}`);

function str(v: unknown, field: string, sub = ''): string {
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? '' : bad(named(field, sub));
}

function obj(v: unknown, field: string, sub = ''): any {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? v : bad(named(field, sub));
}

/** map<string, string>: an object whose values are all strings. */
function strMap(v: unknown, field: string, sub = ''): Record<string, string> | undefined {
  const m = obj(v, field, sub);
  if (m) for (const k in m) if (typeof m[k] !== 'string') bad(`${named(field, sub)}[${safeName(k)}]`);
  return m;
}

function peer(p: any, field: string): Peer {
  if (!obj(p, field)) return EMPTY_PEER;
  const sa = obj(obj(p.address, field, 'address')?.socket_address, field, 'address.socket_address');
  return {
    address: sa?.address != null ? str(sa.address, field, 'address') : str(p.address?.pipe?.path, field, 'address.pipe.path'),
    port: Number(sa?.port_value ?? 0),
    principal: str(p.principal, field, 'principal'),
    certificate: str(p.certificate, field, 'certificate'),
    labels: strMap(p.labels, field, 'labels') ?? {},
    service: str(p.service, field, 'service'),
  };
}

function structs(md: any, field: string): Record<string, unknown> {
  // filter_metadata arrives as google.protobuf.Struct; respond/compat code converts lazily where needed.
  return obj(obj(md, field)?.filter_metadata, field, 'filter_metadata') ?? {};
}

/** Headers as lower-case name → value; header_map (newer Envoy) wins over the legacy map. */
function headersOf(http: any, limits: RequestLimits): Record<string, string> {
  const list: Array<{ key: string; value?: string; raw_value?: Buffer }> | undefined = obj(http.header_map, 'header_map')?.headers;
  let out: Record<string, string>;
  if (list !== undefined && list !== null && !Array.isArray(list)) bad('header_map.headers');
  if (list && list.length > 0) {
    out = Object.create(null);
    for (const h of list) {
      if (!obj(h, 'header_map.headers[]')) bad('header_map.headers[]');
      const k = typeof h.key === 'string' ? h.key.toLowerCase() : '';
      if (k === '') throw new BadRequestError('ERR_BAD_REQUEST', 'a header has no name');
      const raw = h.raw_value;
      if (raw !== undefined && raw !== null && !(raw instanceof Uint8Array)) bad('header_map.headers[].raw_value');
      const v = raw && raw.length > 0 ? Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8') : str(h.value, 'header_map.headers[].value');
      out[k] = out[k] === undefined ? v : `${out[k]},${v}`;
    }
  } else {
    // the decoded map is this request's own: drop its prototype in place (no copy), so a header named
    // "constructor" or "__proto__" is just a header
    out = obj(http.headers, 'headers') ? Object.setPrototypeOf(http.headers, null) : Object.create(null);
  }
  let n = 0;
  let bytes = 0;
  for (const k in out) {
    const v = out[k];
    if (typeof v !== 'string') bad(`headers[${safeName(k)}]`);
    n++;
    bytes += k.length + v.length;
    if (notUtf8(v) || notUtf8(k)) throw new BadRequestError('ERR_BAD_REQUEST', `header ${safeName(k)} is not valid UTF-8`);
  }
  if (n > limits.maxHeaders) throw new BadRequestError('ERR_BAD_REQUEST', `too many headers (${n} > ${limits.maxHeaders})`);
  if (bytes > limits.maxHeaderBytes) throw new BadRequestError('ERR_BAD_REQUEST', `headers too large (${bytes} > ${limits.maxHeaderBytes} bytes)`);
  return out;
}

function safeName(k: string): string {
  return /^[a-z0-9-]{1,64}$/.test(k) ? `"${k}"` : '(unprintable)';
}

/**
 * Client IP: Envoy's source address, or the Nth-from-right X-Forwarded-For entry with N trusted hops.
 * An Envoy with `use_remote_address: true` (envoy/envoy.yaml) appends its own peer — the nearest trusted
 * proxy — before ext_authz runs: a last entry equal to the source address is that one and not counted, so
 * N is the number of proxies in front of Envoy, as Envoy's own `xff_num_trusted_hops` counts them.
 * As Envoy does, a header with fewer entries than that falls back to the source address (its leftmost
 * entry is whatever the client wrote), and so does an entry that is not an IP address. A client cannot
 * write the last entry: the trusted proxies append after it.
 */
export function clientIp(sourceAddress: string, xff: string | undefined, trustedHops: number): string {
  if (trustedHops <= 0 || !xff) return sourceAddress;
  const parts = xff.split(',');
  let end = parts.length;
  if (sourceAddress !== '' && parts[end - 1]!.trim() === sourceAddress) end--;
  const idx = end - trustedHops;
  if (idx < 0) return sourceAddress;
  const entry = parts[idx]!.trim();
  return isIP(entry) !== 0 ? entry : sourceAddress;
}

/**
 * CheckRequest → RequestContext, once per request. Throws BadRequestError for requests that cannot be
 * evaluated safely (no HTTP attributes, absurd sizes, invalid UTF-8): they are denied, never allowed.
 */
export function buildContext(req: any, opts: ContextOptions): RequestContext {
  const attrs = req?.attributes;
  const http = attrs?.request?.http;
  if (!http || typeof http !== 'object' || Array.isArray(http)) throw new BadRequestError('ERR_BAD_REQUEST', 'CheckRequest has no HTTP request attributes');
  const method = str(http.method, 'method');
  const rawPath = str(http.path, 'path');
  if (method === '' || rawPath === '') throw new BadRequestError('ERR_BAD_REQUEST', 'CheckRequest has no method or path');
  const limits = opts.limits;
  if (rawPath.length > limits.maxPathBytes) throw new BadRequestError('ERR_BAD_REQUEST', `path too long (${rawPath.length} > ${limits.maxPathBytes} bytes)`);
  if (notUtf8(rawPath) || notUtf8(method) || notUtf8(str(http.host, 'host'))) {
    throw new BadRequestError('ERR_BAD_REQUEST', 'method, host or path is not valid UTF-8');
  }
  const headers = headersOf(http, limits);

  let body: Buffer = EMPTY_BODY;
  const rawBody = http.raw_body;
  if (rawBody !== undefined && rawBody !== null && !(rawBody instanceof Uint8Array)) bad('raw_body');
  if (rawBody && rawBody.length > 0) body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.length);
  else if (str(http.body, 'body')) body = Buffer.from(http.body, 'utf8');
  if (body.length > limits.maxBodyBytes) throw new BadRequestError('ERR_PAYLOAD_TOO_LARGE', `body too large (${body.length} > ${limits.maxBodyBytes} bytes)`);
  const declared = Number(headers['content-length'] ?? http.size ?? -1);
  const bodyTruncated = declared > body.length || headers['x-envoy-auth-partial-body'] === 'true';

  const q = rawPath.indexOf('?');
  const h = rawPath.indexOf('#');
  const pathEnd = q >= 0 ? q : h >= 0 ? h : rawPath.length;
  const path = rawPath.slice(0, pathEnd);
  const rawQuery = q >= 0 ? rawPath.slice(q + 1, h > q ? h : rawPath.length) : str(http.query, 'query');

  const source = peer(attrs.source, 'source');
  const t = obj(attrs.request?.time, 'request.time');
  if (t && ((t.seconds != null && typeof t.seconds !== 'number') || (t.nanos != null && typeof t.nanos !== 'number'))) bad('request.time');
  const time = t?.seconds != null ? t.seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : Date.now();
  const decisionId = randomUUID();

  return {
    requestId: headers['x-request-id'] || str(http.id, 'id') || decisionId,
    decisionId,
    time,
    method,
    host: (http.host ?? headers[':authority'] ?? '').toLowerCase(), // a string: checked above
    path,
    rawPath,
    rawQuery,
    scheme: str(http.scheme, 'scheme'),
    protocol: str(http.protocol, 'protocol'),
    headers,
    body,
    bodyTruncated,
    source,
    destination: peer(attrs.destination, 'destination'),
    tlsSni: str(obj(attrs.tls_session, 'tls_session')?.sni, 'tls_session.sni'),
    contextExtensions: strMap(attrs.context_extensions, 'context_extensions') ?? {},
    metadataContext: structs(attrs.metadata_context, 'metadata_context'),
    routeMetadata: structs(attrs.route_metadata_context, 'route_metadata_context'),
    raw: req,
    route: '',
    client: { ip: clientIp(source.address, headers['x-forwarded-for'], opts.trustedHops) },
    risk: { score: 0, findings: [] },
    limits: [],
    facts: {},
    upstreamHeaders: [],
    upstreamHeadersToRemove: [],
    responseHeaders: [],
    dynamicMetadata: {},
    queryParamsToSet: [],
    queryParamsToRemove: [],
    shadowDenies: [],
  };
}

/** A context for requests that could not be parsed, so a deny response can still be built. */
export function emptyContext(decisionId: string = randomUUID()): RequestContext {
  return {
    requestId: decisionId, decisionId, time: Date.now(), method: '', host: '', path: '', rawPath: '', rawQuery: '',
    scheme: '', protocol: '', headers: {}, body: EMPTY_BODY, bodyTruncated: false, source: EMPTY_PEER,
    destination: EMPTY_PEER, tlsSni: '', contextExtensions: {}, metadataContext: {}, routeMetadata: {}, raw: undefined,
    route: '', client: { ip: '' }, risk: { score: 0, findings: [] }, limits: [], facts: {}, upstreamHeaders: [],
    upstreamHeadersToRemove: [], responseHeaders: [], dynamicMetadata: {}, queryParamsToSet: [], queryParamsToRemove: [],
    shadowDenies: [],
  };
}
