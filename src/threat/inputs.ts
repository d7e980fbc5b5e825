import type { RequestContext } from '../pipeline/context.js';
import { decodeComponent, parseQuery, query } from '../pipeline/query.js';
import { parseCookies } from './csrf.js';
import { isJsonType, JSON_BODY_FACT, mediaType } from './validation.js';

export interface InputOptions {
  /** Header names (lower-case) whose values are inspected; `cookie` inspects each cookie value. */
  headers: readonly string[];
  /** Longest value inspected; longer values are inspected up to this many bytes (and counted). */
  maxValueBytes: number;
  /** Total bytes inspected per request. */
  maxTotalBytes: number;
  maxJsonDepth: number;
  /** String values (and suspicious keys) taken from one JSON body. */
  maxJsonValues: number;
  maxParts: number;
  inspectPath: boolean;
  inspectQuery: boolean;
  inspectBody: boolean;
}

/** Why inspection stopped short (the request is still inspected up to the limits). */
export interface InputLimits { truncatedValues: number; budgetExhausted: boolean; depthExceeded: boolean; unparsedBody?: string }

/** `header`: a request header's value (values that repeat across requests: a caller may memoise them). */
export type Visit = (where: string, value: string, header: boolean) => void;
type Emit = (where: string, value: string) => void;

/** Characters that make a JSON key worth inspecting (keys are usually identifiers). */
function suspiciousKey(k: string): boolean {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c === 60 || c === 39 || c === 34 || c === 40 || c === 59 || c === 96 || c === 124 || c === 36 || c === 37 || c === 92 || c === 47) return true;
  }
  return false;
}

/**
 * Walk every inspected input of the request: the path (whole, for traversal, and by segment), each query
 * value (and odd keys), selected headers, cookie values, form fields, JSON string values (bounded depth
 * and count), and the text parts of multipart bodies. Sizes are bounded; what was cut is reported.
 */
export function walkInputs(ctx: RequestContext, o: InputOptions, visit: Visit): InputLimits {
  const lim: InputLimits = { truncatedValues: 0, budgetExhausted: false, depthExceeded: false };
  let budget = o.maxTotalBytes;
  const emitAs = (where: string, value: string, header: boolean) => {
    if (value.length < 2 || lim.budgetExhausted) return;
    let v = value;
    if (v.length > o.maxValueBytes) { v = v.slice(0, o.maxValueBytes); lim.truncatedValues++; }
    if (v.length > budget) { lim.budgetExhausted = true; v = v.slice(0, budget); if (v.length < 2) return; }
    budget -= v.length;
    visit(where, v, header);
  };
  const emit: Emit = (where, value) => emitAs(where, value, false);

  if (o.inspectPath && ctx.path.length > 1) {
    emit('path', ctx.path);
    const segs = ctx.path.split('/');
    for (let n = 1; n < segs.length && n <= 32; n++) {
      const seg = segs[n]!;
      // segments with something to read are inspected decoded once (the path itself is as Envoy sent it)
      if (seg.length >= 2 && /[%'"<>();|&`$={}\\ +]/.test(seg)) emit(`path[${n}]`, decodeComponent(seg));
    }
  }
  if (o.inspectQuery && ctx.rawQuery !== '') {
    for (const [k, vals] of query(ctx)) {
      const where = `query.${k.slice(0, 64)}`;
      for (const v of vals) emit(where, v);
      if (suspiciousKey(k)) emit(`query-key.${k.slice(0, 64)}`, k);
    }
  }
  for (const h of o.headers) {
    const v = ctx.headers[h];
    if (v === undefined) continue;
    if (h === 'cookie') { for (const [k, cv] of parseCookies(v)) emit(`cookie.${k.slice(0, 64)}`, decodeComponent(cv)); }
    else emitAs(`header.${h}`, v, true);
  }
  if (o.inspectBody && ctx.body.length > 0) body(ctx, o, emit, lim);
  return lim;
}

function body(ctx: RequestContext, o: InputOptions, emit: Emit, lim: InputLimits): void {
  const mt = mediaType(ctx.headers['content-type']);
  if (mt === 'application/x-www-form-urlencoded') {
    const form = parseQuery(ctx.body.toString('utf8'), 2000);
    for (const [k, vals] of form) {
      for (const v of vals) emit(`form.${k.slice(0, 64)}`, v);
      if (suspiciousKey(k)) emit(`form-key.${k.slice(0, 64)}`, k);
    }
    return;
  }
  if (isJsonType(mt) || (mt === '' && looksJson(ctx.body))) {
    let doc = ctx.facts[JSON_BODY_FACT];
    if (doc === undefined) {
      try { doc = JSON.parse(ctx.body.toString('utf8')); ctx.facts[JSON_BODY_FACT] = doc; }
      catch { lim.unparsedBody = 'json'; emit('body', ctx.body.toString('utf8')); return; }
    }
    walkJson(doc, JSON_ROOT, 0, o, emit, lim, { n: 0 });
    return;
  }
  if (mt === 'multipart/form-data') { multipart(ctx, o, emit, lim); return; }
  if (mt.startsWith('text/') || mt === 'application/xml' || mt.endsWith('+xml') || mt === 'application/graphql' || mt === '' ||
      mt === 'application/javascript' || mt === 'application/x-yaml' || mt === 'application/yaml') {
    emit('body', ctx.body.toString('utf8'));
  }
  // other media types (images, octet-stream, protobuf …) are not text: not inspected
}

function looksJson(b: Buffer): boolean {
  for (let i = 0; i < b.length && i < 16; i++) {
    const c = b[i]!;
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    return c === 123 || c === 91;
  }
  return false;
}

/** `where` of a JSON body value: `body.$.a.b[0]`; a suspicious key is reported as `body-key.$.a`. */
const JSON_ROOT = 'body.$';
const KEY_PREFIX = 'body-key.';

function walkJson(v: unknown, path: string, depth: number, o: InputOptions, emit: Emit, lim: InputLimits, count: { n: number }): void {
  if (count.n >= o.maxJsonValues) { lim.budgetExhausted = true; return; }
  if (typeof v === 'string') { count.n++; emit(path, v); return; }
  if (v === null || typeof v !== 'object') return;
  if (depth >= o.maxJsonDepth) { lim.depthExceeded = true; return; }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && count.n < o.maxJsonValues; i++) walkJson(v[i], `${path}[${i}]`, depth + 1, o, emit, lim, count);
    return;
  }
  for (const k of Object.keys(v as object)) {
    if (count.n >= o.maxJsonValues) return;
    if (suspiciousKey(k)) { count.n++; emit(KEY_PREFIX + path.slice(5), k); }
    walkJson((v as Record<string, unknown>)[k], `${path}.${k.length > 64 ? k.slice(0, 64) : k}`, depth + 1, o, emit, lim, count);
  }
}

/** Text parts of multipart/form-data (file parts with a non-text type are skipped). */
function multipart(ctx: RequestContext, o: InputOptions, emit: Emit, lim: InputLimits): void {
  const ct = ctx.headers['content-type'] ?? '';
  const m = /boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(ct);
  if (!m) { lim.unparsedBody = 'multipart'; emit('body', ctx.body.toString('utf8')); return; }
  const delim = Buffer.from(`--${m[1] ?? m[2]}`);
  const b = ctx.body;
  let pos = b.indexOf(delim);
  let parts = 0;
  while (pos >= 0 && parts < o.maxParts) {
    const start = pos + delim.length;
    if (b[start] === 45 && b[start + 1] === 45) break; // closing --boundary--
    const next = b.indexOf(delim, start);
    const end = next < 0 ? b.length : next;
    const part = b.subarray(start, end);
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const head = part.subarray(0, headEnd).toString('latin1');
    let content = part.subarray(headEnd + 4);
    if (content.length >= 2 && content[content.length - 2] === 13 && content[content.length - 1] === 10) content = content.subarray(0, content.length - 2);
    const name = /name="([^"]{0,64})"/i.exec(head)?.[1] ?? String(parts);
    const filename = /filename="/i.test(head);
    const type = /content-type:\s*([^\r\n;]+)/i.exec(head)?.[1]?.trim().toLowerCase() ?? (filename ? 'application/octet-stream' : 'text/plain');
    if (type.startsWith('text/') || type === 'application/json' || type === 'application/xml' || type.endsWith('+json') || type.endsWith('+xml')) {
      emit(`multipart.${name}`, content.toString('utf8'));
    }
    if (filename) {
      const fn = /filename="([^"]{0,255})"/i.exec(head)?.[1];
      if (fn) emit(`multipart.${name}.filename`, fn);
    }
    parts++;
    pos = next;
  }
}
