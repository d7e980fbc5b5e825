import { redactUrls } from '../common/redact-url.js';

/** Small HTTP client for JWKS, OIDC discovery and introspection: a deadline, a size cap, JSON only. */

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON body (undefined for 304 or an empty body). */
  json: unknown;
}

export class HttpError extends Error {
  constructor(message: string, readonly status?: number) { super(message); }
}

export interface HttpOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
}

/** Throws HttpError for network errors, timeouts, oversize or non-JSON bodies (never with secrets in the text). */
export async function fetchJson(url: string, o: HttpOptions): Promise<HttpResult> {
  let res: Response;
  const signal = AbortSignal.timeout(o.timeoutMs);
  try {
    res = await fetch(url, { method: o.method ?? 'GET', headers: { accept: 'application/json', ...o.headers }, body: o.body, signal, redirect: 'error' });
  } catch (err) {
    const e = err as Error;
    throw new HttpError(e.name === 'TimeoutError' || e.name === 'AbortError' ? `timed out after ${o.timeoutMs} ms` : `request failed: ${redactUrls((e.cause as Error | undefined)?.message ?? e.message)}`);
  }
  const declared = Number(res.headers.get('content-length') ?? -1);
  if (declared > o.maxBytes) { await res.body?.cancel().catch(() => undefined); throw new HttpError(`response too large (${declared} bytes)`, res.status); }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > o.maxBytes) { await reader.cancel().catch(() => undefined); throw new HttpError(`response too large (> ${o.maxBytes} bytes)`, res.status); }
        chunks.push(value);
      }
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const e = err as Error;
    throw new HttpError(e.name === 'TimeoutError' || e.name === 'AbortError' ? `timed out after ${o.timeoutMs} ms` : `reading the response failed: ${redactUrls(e.message)}`, res.status);
  }
  if (res.status === 304 || size === 0) return { status: res.status, headers: res.headers, json: undefined };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(`response is not JSON (HTTP ${res.status})`, res.status);
  }
  return { status: res.status, headers: res.headers, json };
}

/** Seconds from Cache-Control max-age (s-maxage wins), 0 for no-cache/no-store, undefined when absent. */
export function cacheMaxAge(headers: Headers): number | undefined {
  const cc = headers.get('cache-control');
  if (!cc) return undefined;
  let maxAge: number | undefined;
  for (const part of cc.toLowerCase().split(',')) {
    const [k, v] = part.trim().split('=');
    if (k === 'no-store' || k === 'no-cache') return 0;
    if ((k === 's-maxage' || (k === 'max-age' && maxAge === undefined)) && v !== undefined && /^\d+$/.test(v.replace(/"/g, ''))) {
      maxAge = Number(v.replace(/"/g, ''));
      if (k === 's-maxage') break;
    }
  }
  return maxAge;
}
