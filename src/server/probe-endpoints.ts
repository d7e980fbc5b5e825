import type { ServerResponse } from 'node:http';
import { registry } from '../telemetry/metrics.js';
import { sendJson } from './admin-route.js';

export interface Readiness { ready: boolean; draining: boolean; checks: Record<string, boolean> }

/** The read-only endpoints Prometheus and the kubelet use: served on the admin port and on the metrics listener. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/metrics', '/healthz', '/readyz']);

/** The methods the probes answer: HEAD is GET without the body (RFC 9110 §9.3.2; load balancers, uptime checkers). */
export const PROBE_METHODS: ReadonlySet<string | undefined> = new Set(['GET', 'HEAD']);

/**
 * Answers GET or HEAD `path` if it is one of PROBE_PATHS (true), else leaves `res` alone (false). For HEAD,
 * Node sends the same status and headers and drops the body.
 */
export async function serveProbe(path: string, res: ServerResponse, readiness: () => Readiness): Promise<boolean> {
  if (path === '/metrics') {
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(text);
    return true;
  }
  if (path === '/healthz') { sendJson(res, 200, { status: 'ok' }); return true; }
  if (path === '/readyz') {
    const r = readiness();
    sendJson(res, r.ready ? 200 : 503, r);
    return true;
  }
  return false;
}
