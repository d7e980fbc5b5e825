import type { RequestContext } from './context.js';

/** Decode a query component ('+' is a space); malformed escapes are kept as they are. */
export function decodeComponent(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  const plus = s.replace(/\+/g, ' ');
  try { return decodeURIComponent(plus); } catch { return plus; }
}

/** Parse a raw query string into name → values, bounded by maxParams. */
export function parseQuery(raw: string, maxParams = 1000): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (raw === '') return out;
  let count = 0;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    if (++count > maxParams) break;
    const eq = part.indexOf('=');
    const k = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    const list = out.get(k);
    if (list) list.push(v); else out.set(k, [v]);
  }
  return out;
}

/** The request's query, parsed once and cached on the context. */
export function query(ctx: RequestContext): Map<string, string[]> {
  return (ctx.parsedQuery ??= parseQuery(ctx.rawQuery));
}
