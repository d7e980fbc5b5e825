/** What the detection benchmark's sections share: placing a value in a request, running the stages, tables. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_REQUEST_LIMITS } from '../src/pipeline/context-builder.js';
import type { RequestContext } from '../src/pipeline/context.js';
import { Deny } from '../src/pipeline/deny.js';
import type { Stage } from '../src/pipeline/stage.js';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FAMILIES = ['sqli', 'xss', 'traversal', 'cmdi'] as const;
export const PLACEMENTS = ['query', 'form', 'json'] as const;
export const LEVELS = [1, 2, 3, 4] as const;
export type Placement = (typeof PLACEMENTS)[number];

/**
 * Percent-encode what would break a query string or form body (space, &, #, non-ASCII, controls) and
 * leave the rest as the list gives it: `%2e` and `+` stay, so URL-encoded payloads arrive URL-encoded.
 */
export function formValue(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c <= 0x20 || c >= 0x7f || ch === '&' || ch === '#' || ch === '"' || ch === '<' || ch === '>' || ch === '`' || ch === '{' || ch === '}' || ch === '|' || ch === '\\' || ch === '^') {
      out += encodeURIComponent(ch).replace(/[!'()*]/g, (x) => `%${x.charCodeAt(0).toString(16).toUpperCase()}`);
      if (ch === '\\' || ch === '^' || ch === '`' || ch === '{' || ch === '}' || ch === '|' || ch === '"' || ch === '<' || ch === '>') { /* already encoded */ }
    } else out += ch;
  }
  return out;
}

const BROWSER_HEADERS: Record<string, string> = {
  'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  accept: 'application/json, text/plain, */*',
  'accept-language': 'en-GB,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  'sec-fetch-mode': 'cors',
  'sec-fetch-site': 'same-origin',
  'x-request-id': 'bench',
};

export function checkRequest(method: string, path: string, headers: Record<string, string>, body?: string): unknown {
  const all: Record<string, string> = { ':authority': 'shop.example.com', ...BROWSER_HEADERS, ...headers };
  if (body !== undefined) all['content-length'] = String(Buffer.byteLength(body));
  return {
    attributes: {
      source: { address: { socket_address: { address: '203.0.113.7', port_value: 50000 } } },
      request: { http: { method, path, host: 'shop.example.com', scheme: 'https', protocol: 'HTTP/1.1', headers: all, raw_body: body === undefined ? undefined : Buffer.from(body) } },
    },
  };
}

export function placed(payload: string, where: Placement): unknown {
  switch (where) {
    case 'query': return checkRequest('GET', `/api/search?q=${formValue(payload)}&page=1`, {});
    case 'form': return checkRequest('POST', '/api/comments', { 'content-type': 'application/x-www-form-urlencoded' }, `name=alice&comment=${formValue(payload)}&notify=1`);
    case 'json': return checkRequest('POST', '/api/items', { 'content-type': 'application/json' }, JSON.stringify({ name: 'alice', comment: payload, tags: ['a', 'b'], qty: 2 }));
  }
}

export const limits = { limits: { ...DEFAULT_REQUEST_LIMITS }, trustedHops: 0 };

export function runStages(stages: Stage[], ctx: RequestContext): Deny | undefined {
  for (const st of stages) {
    const r = st.run(ctx);
    if (r instanceof Deny) return r;
    if (r && typeof (r as Promise<unknown>).then === 'function') throw new Error(`stage ${st.name} went async in the benchmark`);
  }
  return undefined;
}

export function printTable(header: string[], rows: string[][]): void {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  console.log(line(header));
  console.log(w.map((x) => '-'.repeat(x)).join('  '));
  for (const r of rows) console.log(line(r));
}

