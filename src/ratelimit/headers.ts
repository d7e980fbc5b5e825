import type { HeaderPair } from '../pipeline/context.js';

/**
 * Rate-limit response headers.
 *  ietf:          RateLimit-Policy / RateLimit (draft-ietf-httpapi-ratelimit-headers, structured fields)
 *                   RateLimit-Policy: "per-ip";q=100;w=60      RateLimit: "per-ip";r=42;t=17
 *  ietf-draft-03: RateLimit-Limit / RateLimit-Remaining / RateLimit-Reset (what envoyproxy/ratelimit sends
 *                 with LIMIT_RESPONSE_HEADERS_ENABLED)
 *  x-ratelimit:   X-RateLimit-Limit / X-RateLimit-Remaining / X-RateLimit-Reset (reset in seconds from now), as
 *                 Envoy's ratelimit filter writes them (enable_x_ratelimit_headers: DRAFT_VERSION_03): the limit
 *                 described, then the quota policy of every limit that applied,
 *                 X-RateLimit-Limit: 10, 10;w=1;name="per-ip", 1000;w=3600
 *  none
 * Retry-After (seconds) is added to every over-limit answer whatever the format.
 */
export const HEADER_FORMATS = ['ietf', 'ietf-draft-03', 'x-ratelimit', 'none'] as const;
export type HeaderFormat = (typeof HEADER_FORMATS)[number];

/** One limit that applied to the request (draft-polli-ratelimit-headers quota policy). */
export interface QuotaPolicy {
  limit: number;
  /** 0: unknown window (Envoy leaves such a limit out of the policy list). */
  windowMs: number;
  name?: string;
}

export interface HeaderInput {
  policy: string;
  limit: number;
  remaining: number;
  resetMs: number;
  windowMs: number;
  /** x-ratelimit: every limit that applied, in order (default: the described one, named `policy`). */
  policies?: readonly QuotaPolicy[];
}

export function rateLimitHeaders(format: HeaderFormat, h: HeaderInput, retryAfterMs?: number): HeaderPair[] {
  const out: HeaderPair[] = [];
  const reset = seconds(h.resetMs);
  switch (format) {
    case 'ietf': {
      const name = sfString(h.policy);
      out.push(['ratelimit-policy', `${name};q=${h.limit};w=${Math.max(1, Math.round(h.windowMs / 1000))}`]);
      out.push(['ratelimit', `${name};r=${h.remaining};t=${reset}`]);
      break;
    }
    case 'ietf-draft-03':
      out.push(['ratelimit-limit', String(h.limit)], ['ratelimit-remaining', String(h.remaining)], ['ratelimit-reset', String(reset)]);
      break;
    case 'x-ratelimit':
      out.push(['x-ratelimit-limit', xLimit(h)], ['x-ratelimit-remaining', String(h.remaining)], ['x-ratelimit-reset', String(reset)]);
      break;
    default:
      break;
  }
  if (retryAfterMs !== undefined) out.push(['retry-after', String(Math.max(1, seconds(retryAfterMs)))]);
  return out;
}

/** Envoy's XRateLimitHeaderUtils: `<limit>` then `, <limit>;w=<window s>[;name="<name>"]` per limit with a known window. */
function xLimit(h: HeaderInput): string {
  let out = String(h.limit);
  for (const p of h.policies ?? [{ limit: h.limit, windowMs: h.windowMs, name: h.policy }]) {
    if (p.windowMs <= 0) continue;
    out += `, ${p.limit};w=${Math.max(1, Math.round(p.windowMs / 1000))}`;
    if (p.name) out += `;name=${sfString(p.name)}`;
  }
  return out;
}

/** Whole seconds, rounded up (a client waiting that long is past the reset). */
export function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

/** An RFC 8941 sf-string: printable ASCII, with \ and " escaped. */
export function sfString(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c > 0x7e) continue;
    out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  }
  return `"${out}"`;
}
