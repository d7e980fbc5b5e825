import type { Finding, RequestContext } from '../pipeline/context.js';
import { decodeComponent, forEachParam, MAX_QUERY_PARAMS } from '../pipeline/query.js';
import type { Exclusions } from './exclude.js';
import { inspectBody } from './inputs-body.js';
import { type InputLimits, type InputOptions, Inspector, inspectParams, suspiciousKey, type Visit } from './inputs-inspector.js';

export type { InputLimits, InputOptions, Visit } from './inputs-inspector.js';

/** Cookies read before they count as over the limit. */
export const MAX_COOKIES = 64;

/**
 * Walk every inspected input of the request: the path (whole, for traversal, and by segment), each query
 * value (and odd keys), selected headers, every cookie value, form fields, JSON string values and the
 * text of multipart fields. No count limit ends the walk (inputs past one are counted); only the total
 * byte budget does, and the limits result says whether it did. `ex`: the route's exclusions (inputs some or
 * all detectors do not read; see exclude.ts).
 */
export function walkInputs(ctx: RequestContext, o: InputOptions, visit: Visit, ex?: Exclusions): InputLimits {
  const w = new Inspector(o, visit, ex);
  if (o.inspectPath && ctx.path.length > 1) {
    w.emit('path', ctx.path);
    pathSegments(w, ctx.path, (n) => `path[${n}]`);
  }
  if (o.inspectQuery && ctx.rawQuery !== '') inspectParams(w, ctx.rawQuery, 'query', MAX_QUERY_PARAMS);
  for (const h of o.headers) {
    const v = ctx.headers[h];
    if (v === undefined) continue;
    if (h === 'cookie') inspectCookies(w, v);
    else {
      w.emit(`header.${h}`, v, true);
      if (URL_HEADERS.has(h)) {
        // the URL the upstream routes by: its path segments as the path's, its query as a query
        const where = `header.${h}`;
        const end = v.search(/[?#]/);
        pathSegments(w, end < 0 ? v : v.slice(0, end), () => where, true);
        inspectUrlQuery(w, where, v);
      }
    }
  }
  if (o.inspectBody && ctx.body.length > 0 && !w.exhausted) inspectBody(ctx, o, w);
  return w.finish();
}

/**
 * The segments of a path with something to read (quotes, operators, escapes, blanks …), each decoded once:
 * the path itself is read as Envoy sent it. At most 32.
 */
function pathSegments(w: Inspector, path: string, where: (n: number) => string, header = false): void {
  const segs = path.split('/', 33);
  for (let n = 1; n < segs.length && n <= 32; n++) {
    const seg = segs[n]!;
    if (seg.length >= 2 && /[%'"<>();|&`$={}\\ +]/.test(seg)) w.emit(where(n), decodeComponent(seg), header);
  }
}

/** Headers whose value is a URL the upstream routes by (IIS URL Rewrite, Symfony, Laminas): its query is the application's. */
const URL_HEADERS: ReadonlySet<string> = new Set(['x-original-url', 'x-rewrite-url']);

/**
 * The query of a URL in a header, parameter by parameter as a query is read (each name and value decoded,
 * `+` a space), under the header's name: the whole value keeps `+`, which hid `1'+union+select…`.
 */
function inspectUrlQuery(w: Inspector, where: string, url: string): void {
  const q = url.indexOf('?');
  if (q < 0) return;
  let n = 0;
  forEachParam(url.slice(q + 1), (k, v) => {
    if (++n > MAX_QUERY_PARAMS) w.lim.overCount++;
    w.emit(where, v, true);
    if (suspiciousKey(k)) w.emit(where, k, true);
    return !w.exhausted;
  });
}

/**
 * Every `name=value` of a Cookie header, repeated names too (servers differ on which one wins), and a value
 * without a name. A `,` before a cookie name and `=` starts a cookie too (its value ends at the next such
 * comma), besides the value that runs on over it: Envoy's CheckRequest joins repeated Cookie headers with `,`
 * where the application reads two headers (or them joined with `; `), and legacy RFC 2109 parsers (Tomcat's,
 * Jetty's) split a single header there too.
 */
function inspectCookies(w: Inspector, header: string): void {
  let n = 0;
  const cookie = (part: string) => {
    const eq = part.indexOf('=');
    const value = (eq < 0 ? part : part.slice(eq + 1)).trim();
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    if (value === '' && name === '') return;
    if (++n > MAX_COOKIES) w.lim.overCount++;
    w.emit(name === '' ? 'cookie' : `cookie.${name.length > 64 ? name.slice(0, 64) : name}`, decodeComponent(value));
  };
  for (let start = 0; start < header.length && !w.exhausted;) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    const part = header.slice(start, end);
    start = end + 1;
    cookie(part);
    let from = -1; // the start of the comma-led cookie being read
    for (let c = part.indexOf(','); c >= 0 && !w.exhausted; c = part.indexOf(',', c + 1)) {
      if (!commaCookie(part, c)) continue;
      if (from >= 0) cookie(part.slice(from, c));
      from = c + 1;
    }
    if (from >= 0 && !w.exhausted) cookie(part.slice(from));
  }
}

/** A `,` then (after blanks) a cookie name (an RFC 6265 token) and `=`. Linear in what it reads, which the next search skips. */
function commaCookie(s: string, comma: number): boolean {
  let i = comma + 1;
  while (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i++;
  const from = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127 || '()<>@,;:\\"/[]?={}'.indexOf(s[i]!) >= 0) break;
  }
  return i > from && s.charCodeAt(i) === 61;
}

/**
 * The `oversize` finding for what the walk read other than value by value. Inputs past a count limit,
 * windows of long values, JSON past the depth limit and an unparsed body were inspected all the same:
 * 0.4, a record. A request past the total budget was not: an attacker could pad a payload past it, so
 * the finding is certain (1; with the default weight 1 a block). So is a compressed body that was not
 * read: one that decompresses past the budget (a bomb), or one that does not decode (an unknown coding,
 * corrupt data), which the application reads otherwise or not at all (content-coding.ts). And so is a body
 * Envoy sent only in part (its `max_request_bytes`): the rest was not inspected, unless the route's
 * `partial_body: inspect` accepts that (then 0.4, a record of it; the stage counts it as a fail-open).
 */
export function oversizeFinding(lim: InputLimits, partial: PartialBody = 'refuse'): Finding | undefined {
  if (lim.budgetExhausted) {
    const detail = lim.undecodableBody === undefined ? 'inspection budget exhausted: the rest of the request was not inspected'
      : `inspection budget exhausted: ${lim.undecodableBody}, not inspected`;
    return { family: 'oversize', where: lim.undecodableBody === undefined ? 'request' : 'body', confidence: 1, detail };
  }
  if (lim.undecodableBody !== undefined) {
    return { family: 'oversize', where: 'body', confidence: 1, detail: `${lim.undecodableBody}: the body was not inspected` };
  }
  if (lim.partialBody && partial === 'refuse') return { family: 'oversize', where: 'body', confidence: 1, detail: `${PARTIAL_BODY}: the rest was not inspected` };
  const why: string[] = [];
  if (lim.overCount > 0) why.push(`${lim.overCount} inputs past the count limits`);
  if (lim.truncatedValues > 0) why.push(`${lim.truncatedValues} values longer than max_value_bytes`);
  if (lim.depthExceeded) why.push('JSON nested deeper than max_json_depth');
  if (lim.unparsedBody !== undefined) why.push(`${lim.unparsedBody} body not parsed, read as text`);
  if (lim.partialBody) {
    const also = why.length === 0 ? '' : `; ${why.join('; ')} (all inspected)`;
    return { family: 'oversize', where: 'body', confidence: 0.4, detail: `${PARTIAL_BODY}: what arrived was inspected (partial_body: inspect)${also}` };
  }
  if (why.length === 0) return undefined;
  return { family: 'oversize', where: 'request', confidence: 0.4, detail: `${why.join('; ')} (all inspected)` };
}

/** A route's `partial_body`: what a body Envoy sent only in part is. */
export type PartialBody = 'refuse' | 'inspect';
const PARTIAL_BODY = "body not received in full (Envoy's max_request_bytes)";

/**
 * The `charset` finding for text in a declared charset nothing decodes (charset.ts): it was read as UTF-8,
 * which is not the text an upstream that decodes the charset reads (EBCDIC forms on IIS/ASP.NET), so the
 * finding is certain (with the default `charset` weight 1 a block; a lower weight relaxes it). The detail
 * names the charset's label (at most 40 characters of [\w.:-]), never body bytes.
 */
export function charsetFinding(lim: InputLimits): Finding | undefined {
  if (lim.undecodableCharset === undefined) return undefined;
  return { family: 'charset', where: 'body', confidence: 1, detail: `body charset "${lim.undecodableCharset}" cannot be decoded: not inspected as the application reads it` };
}
