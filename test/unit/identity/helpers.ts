import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/loader.js';
import { check } from '../../../src/pipeline/check.js';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import type { RequestContext } from '../../../src/pipeline/context.js';
import { buildRuntime, closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { fromStruct } from '../../../src/pipeline/struct.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { KvStore } from '../../../src/store/types.js';

export const silent = pino({ level: 'silent' });

export interface Req {
  method?: string;
  path?: string;
  host?: string;
  scheme?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** declared body size when Envoy sent only part of it */
  size?: number;
  address?: string;
  principal?: string;
  certificate?: string;
}

/** A CheckRequest as @grpc/proto-loader decodes it (keepCase). */
export function checkRequest(r: Req = {}): any {
  const headers: Record<string, string> = { ':authority': r.host ?? 'api.test', ...Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])) };
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  if (body && headers['content-length'] === undefined) headers['content-length'] = String(r.size ?? body.length);
  return {
    attributes: {
      source: { address: { socket_address: { address: r.address ?? '127.0.0.1', port_value: 40000 } }, principal: r.principal ?? '', certificate: r.certificate ?? '' },
      destination: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } },
      request: { http: { id: 'req-1', method: r.method ?? 'GET', path: r.path ?? '/', host: r.host ?? 'api.test', scheme: r.scheme ?? 'http', protocol: 'HTTP/1.1', headers, raw_body: body, size: body ? String(r.size ?? body.length) : '-1' } },
    },
  };
}

export function ctxOf(r: Req = {}): RequestContext {
  return buildContext(checkRequest(r), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
}

export interface Harness {
  rt: Runtime;
  store: KvStore;
  /** Runs a Check and returns the decoded response in a convenient shape. */
  send(r: Req): Promise<CheckResult>;
  close(): Promise<void>;
}

export interface CheckResult {
  allowed: boolean;
  status: number;
  code: string;
  /** The first value of each header name (see `cookies` for every Set-Cookie). */
  headers: Record<string, string>;
  /** Every Set-Cookie value, in order. */
  cookies: string[];
  upstream: Record<string, string>;
  removed: string[];
  queryRemoved: string[];
  body: any;
  metadata: any;
}

/** A deny body: JSON for errors; the text itself for responses that are not (SAML metadata, redirects). */
function jsonOrText(body: string): any {
  try { return JSON.parse(body); } catch { return body; }
}

function plainHeaders(list: Array<{ header: { key: string; value: string } }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list ?? []) out[h.header.key] ??= h.header.value;
  return out;
}

function setCookies(list: Array<{ header: { key: string; value: string } }> | undefined): string[] {
  return (list ?? []).filter((h) => h.header.key.toLowerCase() === 'set-cookie').map((h) => h.header.value);
}

/** The config load error message a config text gives (the test fails when it loads). */
export async function configProblem(yaml: string, dir: string): Promise<string> {
  let msg = '';
  await assert.rejects(runtimeFor(yaml, dir), (e: unknown) => {
    assert.ok(e instanceof ConfigLoadError, `expected ConfigLoadError, got ${String(e)}`);
    msg = e.message;
    return true;
  });
  return msg;
}

/** A CheckResponse as the tests read it. */
export function resultOf(res: any): CheckResult {
  if (res.ok_response) {
    return {
      allowed: true, status: 200, code: 'OK', headers: plainHeaders(res.ok_response.response_headers_to_add), cookies: setCookies(res.ok_response.response_headers_to_add),
      upstream: plainHeaders(res.ok_response.headers), removed: res.ok_response.headers_to_remove,
      queryRemoved: res.ok_response.query_parameters_to_remove, body: undefined, metadata: fromStruct(res.dynamic_metadata),
    };
  }
  const d = res.denied_response;
  return {
    allowed: false, status: d.status.code, code: res.status.message, headers: plainHeaders(d.headers), cookies: setCookies(d.headers),
    upstream: {}, removed: [], queryRemoved: [], body: jsonOrText(d.body), metadata: fromStruct(res.dynamic_metadata),
  };
}

/** A real runtime (config → modules → stages) over the in-memory store, and Check calls against it. */
export async function runtimeFor(yaml: string, dir = process.cwd(), store: KvStore = new MemoryStore(), logger: Logger = silent): Promise<Harness> {
  const loaded = parseConfig(yaml, `${dir}/portcullis.yaml`);
  const rt = await buildRuntime(loaded, store, logger);
  for (const m of rt.modules.values()) await m.start?.();
  return {
    rt,
    store,
    async send(r) {
      return resultOf(await check(rt, checkRequest(r), silent));
    },
    async close() { await closeRuntime(rt); await store.close(); },
  };
}

/** A loopback HTTP server for JWKS / discovery / introspection fixtures. */
export async function fixtureServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** A controllable clock (ms). */
export function fakeClock(start = Date.UTC(2030, 0, 1)): { now: () => number; advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return { now: () => t, advance(ms) { t += ms; }, set(ms) { t = ms; } };
}
