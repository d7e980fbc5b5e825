import { escapePointer } from '../../config/env.js';
import type { CredentialLocations } from '../../modules/module.js';
import { decodeComponent } from '../../pipeline/query.js';

/**
 * OPA's decision-log masking: JSON pointers into the event ("/input/…", "/result/…") that are erased,
 * or replaced ("upsert") with a fixed value. The event's input is shared with the request, so masking
 * copies only the objects along each masked path. The event lists what it erased and masked, as OPA does.
 */

export type MaskRule =
  | { op: 'remove'; path: string; segments: string[] }
  | { op: 'upsert'; path: string; segments: string[]; value: unknown };

/** Credential-bearing headers are erased unless the config turns the defaults off. */
export const DEFAULT_MASKS = [
  '/input/attributes/request/http/headers/authorization',
  '/input/attributes/request/http/headers/proxy-authorization',
  '/input/attributes/request/http/headers/cookie',
  '/input/attributes/request/http/headers/x-api-key',
  '/input/parsed_query/access_token',   // RFC 6750 §2.3's query token
];

const HEADERS = '/input/attributes/request/http/headers/';

/**
 * Erasures for the credential places the config names (identity's token sources, signature header,
 * session cookie): the header, the cookie header, the query parameter (parsed_query and the raw path).
 */
export function credentialMasks(l: CredentialLocations | undefined): string[] {
  if (!l) return [];
  const out = l.headers.map((h) => HEADERS + escapePointer(h.toLowerCase()));
  if (l.cookies.length > 0) out.push(`${HEADERS}cookie`);
  for (const q of l.query) out.push(`/input/parsed_query/${escapePointer(q)}`);
  return out;
}

/**
 * The raw path with every `name=value` whose decoded name is `name` erased (replacement undefined) or given
 * the replacement as its value; undefined when the parameter is not there.
 */
export function maskQueryParam(rawPath: string, name: string, replacement: string | undefined): string | undefined {
  const q = rawPath.indexOf('?');
  if (q < 0) return undefined;
  const h = rawPath.indexOf('#', q);
  const end = h < 0 ? rawPath.length : h;
  let changed = false;
  const kept: string[] = [];
  for (const part of rawPath.slice(q + 1, end).split('&')) {
    const eq = part.indexOf('=');
    if (part !== '' && decodeComponent(eq < 0 ? part : part.slice(0, eq)) === name) {
      changed = true;
      if (replacement !== undefined) kept.push(`${eq < 0 ? part : part.slice(0, eq)}=${encodeURIComponent(replacement)}`);
    } else kept.push(part);
  }
  if (!changed) return undefined;
  const query = kept.join('&');
  return `${rawPath.slice(0, q)}${query === '' ? '' : `?${query}`}${rawPath.slice(end)}`;
}

const HTTP = ['attributes', 'request', 'http'];

/**
 * A parsed_query parameter is also in the raw path's query string, in the `:path` pseudo-header Envoy sends
 * among the headers, and in the `query` attribute when the CheckRequest carries the query there: mask it
 * in each. Returns the fields changed.
 */
function maskInRawPath(event: Record<string, unknown>, rule: MaskRule): string[] {
  const name = rule.segments[2]!;
  const replacement = rule.op === 'remove' ? undefined : String(rule.value);
  let node: unknown = event.input;
  for (const k of HTTP) node = isContainer(node) ? (node as Record<string, unknown>)[k] : undefined;
  if (!isContainer(node)) return [];
  const http = node as Record<string, unknown>;
  const changed: Array<[string, string]> = [];
  if (typeof http.path === 'string') {
    const masked = maskQueryParam(http.path, name, replacement);
    if (masked !== undefined) changed.push(['path', masked]);
  }
  if (typeof http.query === 'string') {
    const masked = maskQueryParam(`?${http.query}`, name, replacement);
    if (masked !== undefined) changed.push(['query', masked.slice(1)]);
  }
  const headers = http.headers;
  let pseudo: string | undefined;
  if (isContainer(headers) && typeof (headers as Record<string, unknown>)[':path'] === 'string') {
    pseudo = maskQueryParam((headers as Record<string, string>)[':path']!, name, replacement);
  }
  if (changed.length === 0 && pseudo === undefined) return [];
  let cur = shallowCopy(event.input as Record<string, unknown>) as Record<string, unknown>;
  event.input = cur;
  for (const k of HTTP) { cur[k] = shallowCopy(cur[k] as Record<string, unknown>); cur = cur[k] as Record<string, unknown>; }
  for (const [k, v] of changed) cur[k] = v;
  if (pseudo !== undefined) {
    const h = shallowCopy(cur.headers as Record<string, unknown>) as Record<string, unknown>;
    h[':path'] = pseudo;
    cur.headers = h;
  }
  return [...changed.map(([k]) => k), ...(pseudo === undefined ? [] : ['headers/:path'])];
}

export function parsePointer(p: string): string[] {
  if (!p.startsWith('/')) throw new Error(`mask path "${p}" must be a JSON pointer starting with /`);
  const segs = p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segs[0] !== 'input' && segs[0] !== 'result') throw new Error(`mask path "${p}" must start with /input or /result`);
  return segs;
}

export function maskRule(spec: string | { op?: string; path: string; value?: unknown }): MaskRule {
  if (typeof spec === 'string') return { op: 'remove', path: spec, segments: parsePointer(spec) };
  const op = spec.op ?? 'remove';
  if (op === 'upsert') return { op, path: spec.path, segments: parsePointer(spec.path), value: spec.value };
  if (op === 'remove') return { op, path: spec.path, segments: parsePointer(spec.path) };
  throw new Error(`mask op "${op}" is not remove or upsert`);
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return v !== null && typeof v === 'object';
}

function shallowCopy(v: Record<string, unknown> | unknown[]): Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return v.slice();
  const out = Object.getPrototypeOf(v) === null ? Object.create(null) : {};
  return Object.assign(out, v);
}

/**
 * Apply rules to event[top] (copy-on-write). Returns the lists of paths actually erased / masked.
 * A remove whose target is absent does nothing; an upsert creates the path.
 */
export function applyMasks(event: Record<string, unknown>, rules: readonly MaskRule[]): { erased: string[]; masked: string[] } {
  const erased: string[] = [];
  const masked: string[] = [];
  for (const rule of rules) {
    if (rule.segments.length === 3 && rule.segments[0] === 'input' && rule.segments[1] === 'parsed_query') {
      for (const field of maskInRawPath(event, rule)) (rule.op === 'remove' ? erased : masked).push(`/input/attributes/request/http/${field}?${rule.segments[2]}`);
    }
    const [top, ...rest] = rule.segments;
    let node = event[top!];
    if (rest.length === 0) {
      if (rule.op === 'remove') { if (node !== undefined) { delete event[top!]; erased.push(rule.path); } }
      else { event[top!] = rule.value; masked.push(rule.path); }
      continue;
    }
    if (!isContainer(node)) {
      if (rule.op === 'remove') continue;
      node = {};
    }
    const root = shallowCopy(node as Record<string, unknown>);
    let cur: any = root;
    let ok = true;
    for (let i = 0; i < rest.length - 1; i++) {
      const k = rest[i]!;
      const next = cur[k];
      if (!isContainer(next)) {
        if (rule.op === 'remove') { ok = false; break; }
        cur[k] = {};
      } else cur[k] = shallowCopy(next);
      cur = cur[k];
    }
    if (!ok) continue;
    const last = rest[rest.length - 1]!;
    if (rule.op === 'remove') {
      if (!(last in cur)) continue;
      if (Array.isArray(cur)) cur.splice(Number(last), 1); else delete cur[last];
      erased.push(rule.path);
    } else {
      cur[last] = rule.value;
      masked.push(rule.path);
    }
    event[top!] = root;
  }
  return { erased, masked };
}
