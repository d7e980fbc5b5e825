import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { sendJson } from './admin-route.js';
import { closeServer, HTTP_LISTENER_OPTIONS, listenOn, pathOf } from './listen-address.js';
import { PROBE_METHODS, PROBE_PATHS, serveProbe, type Readiness } from './probe-endpoints.js';

/**
 * `server.metrics.address`: GET (and HEAD) /metrics, /healthz and /readyz only — what Prometheus and the kubelet need on
 * the pod IP — so the admin port (reload, revocations, bans, policy) can stay on loopback, as Istio keeps
 * Envoy's admin on localhost and exposes its stats on 15090. Every other path is 404, every other method
 * 405; request bodies are never read.
 */
export class MetricsServer {
  private server?: Server;
  port = 0;

  constructor(private readonly readiness: () => Readiness, private readonly logger: Logger) {}

  listen(address: string): Promise<number> {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      if (!PROBE_METHODS.has(req.method)) {
        // nothing here takes a body: close the connection rather than read one
        res.setHeader('allow', 'GET, HEAD');
        res.setHeader('connection', 'close');
        sendJson(res, 405, { error: 'method not allowed' });
        return;
      }
      // Node would read (and drop) a GET's (or HEAD's) body to keep the connection: nothing here wants one, and no
      // Prometheus or kubelet request carries one, so answer and close instead of reading it on and on
      if (hasBody(req)) res.setHeader('connection', 'close');
      const path = pathOf(req);
      if (!PROBE_PATHS.has(path)) { sendJson(res, 404, { error: 'not found' }); return; }
      serveProbe(path, res, this.readiness).catch((err) => {
        this.logger.error({ err }, 'metrics listener request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' }); else res.end();
      });
    };
    this.server = createServer(HTTP_LISTENER_OPTIONS, onRequest);
    // Expect: 100-continue is never granted (Node would send 100 before the handler): nothing here takes a body
    this.server.on('checkContinue', onRequest);
    return listenOn(this.server, address).then((port) => (this.port = port));
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}

/** A request with content (RFC 9112 §6.3: Transfer-Encoding, or a Content-Length other than 0). */
function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}
