import type { RequestContext } from './context.js';

/** Parameters kept by parseQuery (and so in the cached query, route matching and the policy input). */
export const MAX_QUERY_PARAMS = 1000;

/** Decode a query component ('+' is a space); malformed escapes are kept as they are. */
export function decodeComponent(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  const plus = s.replace(/\+/g, ' ');
  try { return decodeURIComponent(plus); } catch { return plus; }
}

/**
 * Each `name=value` of a raw query or form body, decoded (by `decode`, default decodeComponent), in order
 * (empty parts skipped); `fn` returns false to stop. Linear in the input: nothing is split or collected.
 */
export function forEachParam(raw: string, fn: (name: string, value: string) => boolean | void, decode: (s: string) => string = decodeComponent): void {
  const n = raw.length;
  let eq = -1;
  for (let start = 0; start < n;) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      if (eq < start) { eq = raw.indexOf('=', start); if (eq < 0) eq = n; }
      const k = decode(raw.slice(start, eq < end ? eq : end));
      const v = eq < end ? decode(raw.slice(eq + 1, end)) : '';
      if (fn(k, v) === false) return;
    }
    start = end + 1;
  }
}

/**
 * Each spelling, as sent, of the parameter whose decoded name is `name` (`access%5Ftoken` is `access_token`).
 * Envoy removes query parameters by the name as sent, so removing a credential needs every spelling.
 */
export function rawParamNames(raw: string, name: string, maxParams = MAX_QUERY_PARAMS): string[] {
  const out: string[] = [];
  const n = raw.length;
  let count = 0;
  for (let start = 0; start < n && count < maxParams;) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      count++;
      let eq = raw.indexOf('=', start);
      if (eq < 0 || eq > end) eq = end;
      const rawName = raw.slice(start, eq);
      if (decodeComponent(rawName) === name && !out.includes(rawName)) out.push(rawName);
    }
    start = end + 1;
  }
  return out;
}

/** Parse a raw query string into name → values, bounded by maxParams. */
export function parseQuery(raw: string, maxParams = MAX_QUERY_PARAMS): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let count = 0;
  forEachParam(raw, (k, v) => {
    if (++count > maxParams) return false;
    const list = out.get(k);
    if (list) list.push(v); else out.set(k, [v]);
    return true;
  });
  return out;
}

/** The request's query, parsed once and cached on the context. */
export function query(ctx: RequestContext): Map<string, string[]> {
  return (ctx.parsedQuery ??= parseQuery(ctx.rawQuery));
}
