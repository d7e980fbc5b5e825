import { timingSafeEqual } from 'node:crypto';
import type { RequestContext } from '../pipeline/context.js';

export interface CsrfOptions {
  /** Origins (scheme://host[:port]) allowed to send state-changing requests, besides the request's own. */
  allowedOrigins: ReadonlySet<string>;
  methods: ReadonlySet<string>;
  /** Cookies that carry the session; empty: any cookie makes the request cookie-authenticated. */
  sessionCookies: readonly string[];
  /** Accept Sec-Fetch-Site: same-site (sibling subdomains). */
  allowSameSite: boolean;
  /** A request with neither Origin, Referer nor Sec-Fetch-Site is refused. */
  requireOrigin: boolean;
  /** Double-submit token: this cookie must equal this header. */
  token?: { cookie: string; header: string };
}

/** `a=b; c=d` → Map (first occurrence wins, bounded). */
export function parseCookies(header: string | undefined, max = 64): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  let count = 0;
  for (const part of header.split(/;\s*/)) {
    if (++count > max) break;
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    if (!out.has(k)) out.set(k, part.slice(eq + 1).trim());
  }
  return out;
}

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return `${u.protocol}//${u.host}`.toLowerCase();
  } catch {
    return undefined;
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Cross-site request forgery check for cookie-authenticated, state-changing requests. Requests carrying
 * an Authorization header are not ambient-credential requests and pass. Returns the reason to refuse, or
 * undefined to allow.
 */
export function csrfViolation(ctx: RequestContext, o: CsrfOptions): string | undefined {
  if (!o.methods.has(ctx.method)) return undefined;
  if (ctx.headers['authorization'] !== undefined) return undefined;
  const cookies = parseCookies(ctx.headers['cookie']);
  const cookieAuth = o.sessionCookies.length === 0 ? cookies.size > 0 : o.sessionCookies.some((c) => cookies.has(c));
  if (!cookieAuth) return undefined;

  if (o.token) {
    const c = cookies.get(o.token.cookie);
    const h = ctx.headers[o.token.header];
    if (!c || !h) return `missing CSRF token (cookie ${o.token.cookie} and header ${o.token.header} must both be sent)`;
    if (!equal(c, h)) return 'CSRF token header does not match the cookie';
  }

  const self = ctx.scheme && ctx.host ? `${ctx.scheme}://${ctx.host}`.toLowerCase() : undefined;
  const allowed = (origin: string) => origin === self || o.allowedOrigins.has(origin);
  const site = ctx.headers['sec-fetch-site'];
  const originHeader = ctx.headers['origin'];
  if (originHeader !== undefined) {
    if (originHeader === 'null') return 'Origin is null (sandboxed or privacy-redirected request)';
    const origin = originOf(originHeader);
    if (!origin || !allowed(origin)) return `Origin ${origin ?? '(invalid)'} is not allowed`;
    return undefined;
  }
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return undefined;
    if (site === 'same-site' && o.allowSameSite) return undefined;
    return `Sec-Fetch-Site ${site.slice(0, 20)} without an allowed Origin`;
  }
  const referer = ctx.headers['referer'];
  if (referer !== undefined) {
    const origin = originOf(referer);
    if (!origin || !allowed(origin)) return `Referer origin ${origin ?? '(invalid)'} is not allowed`;
    return undefined;
  }
  if (o.requireOrigin && !o.token) return 'no Origin, Referer or Sec-Fetch-Site on a cookie-authenticated request';
  return undefined;
}
