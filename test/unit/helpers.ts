import { parseConfig } from '../../src/config/loader.js';
import { check } from '../../src/pipeline/check.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { MemoryStore } from '../../src/store/memory.js';
import { createLogger } from '../../src/telemetry/logger.js';

export interface ReqSpec {
  method?: string;
  path?: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  source?: string;
  principal?: string;
  certificate?: string;
  contextExtensions?: Record<string, string>;
}

/** A CheckRequest as @grpc/proto-loader decodes it (keepCase, enums as strings). */
export function checkRequest(r: ReqSpec = {}): any {
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  return {
    attributes: {
      source: { address: { socket_address: { address: r.source ?? '192.0.2.10', port_value: 40000 } }, principal: r.principal ?? '', certificate: r.certificate ?? '' },
      destination: { address: { socket_address: { address: '127.0.0.1', port_value: 10000 } } },
      request: {
        time: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
        http: {
          id: 'envoy-id', method: r.method ?? 'GET', path: r.path ?? '/', host: r.host ?? 'api.example.com', scheme: 'http', protocol: 'HTTP/1.1',
          headers: { ':authority': r.host ?? 'api.example.com', ...(r.headers ?? {}) },
          ...(body ? { raw_body: body, size: body.length } : {}),
        },
      },
      context_extensions: r.contextExtensions ?? {},
    },
  };
}

export const silent = createLogger('silent');

export async function runtimeFrom(yaml: string): Promise<Runtime> {
  return buildRuntime(parseConfig(yaml, 'test.yaml', {}), new MemoryStore(), silent);
}

export async function decide(rt: Runtime, r: ReqSpec): Promise<any> {
  return check(rt, checkRequest(r), silent);
}

export function upstreamHeaders(resp: any): Record<string, string> {
  return Object.fromEntries((resp.ok_response?.headers ?? []).map((h: any) => [h.header.key, h.header.value]));
}

export function denyBody(resp: any): any {
  return JSON.parse(resp.denied_response.body);
}
