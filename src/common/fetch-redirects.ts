/**
 * fetch() that follows redirects without handing the operator's credentials to someone else. The headers a
 * bundle or feed URL is configured with (a bearer token, an API key header) are for that server: on a
 * redirect to another origin they are all dropped — fetch's own `redirect: 'follow'` drops only
 * `Authorization` and would send `X-Api-Key` on. A redirect from https to http is refused (the rest of the
 * conversation would be readable and forgeable on the way), and so is a scheme other than http(s).
 */

const MAX_REDIRECTS = 5;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export class RedirectRefused extends Error {}

/**
 * `headers` are the configured ones (dropped on another origin); `conditional` are request-specific ones
 * that are safe anywhere (accept, if-none-match, if-modified-since).
 */
export async function fetchFollowing(
  url: string,
  o: { headers: Record<string, string>; conditional?: Record<string, string>; signal?: AbortSignal },
): Promise<Response> {
  const origin = new URL(url).origin;
  let current = url;
  for (let hop = 0; ; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    const res = await fetch(current, {
      headers: { ...(sameOrigin ? o.headers : {}), ...o.conditional },
      signal: o.signal,
      redirect: 'manual',
    });
    if (!REDIRECT.has(res.status)) return res;
    await res.body?.cancel().catch(() => undefined);
    const location = res.headers.get('location');
    if (location === null) throw new RedirectRefused(`HTTP ${res.status} without a Location`);
    if (hop + 1 > MAX_REDIRECTS) throw new RedirectRefused(`more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, current);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new RedirectRefused(`redirect to a ${next.protocol} URL`);
    if (new URL(current).protocol === 'https:' && next.protocol === 'http:') throw new RedirectRefused('redirect from https to http');
    current = next.href;
  }
}
