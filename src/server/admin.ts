import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RuntimeHolder } from '../config/reloader.js';
import { counter } from '../telemetry/metrics.js';
import { bearerChallenge, checkBearer } from './admin-auth.js';
import { browserRefusal } from './admin-browser-guard.js';
import { sendJson } from './admin-route.js';
import { closeServer, HTTP_LISTENER_OPTIONS, isLoopbackHost, listenOn, parseListenAddress, pathOf } from './listen-address.js';
import { PROBE_METHODS, PROBE_PATHS, serveProbe, type Readiness } from './probe-endpoints.js';

const MAX_ADMIN_BODY = 1024 * 1024;

const authFailures = counter('portcullis_admin_auth_failures_total', 'Admin requests refused with 401 (server.admin.token_file set, no or a wrong Bearer token)');
const browserRefusals = counter('portcullis_admin_browser_refusals_total', 'Admin requests refused with 403 because a web page sent them (no token_file: Origin, Sec-Fetch-Site or a DNS-rebound Host)');

/**
 * /metrics, /healthz (alive), /readyz (config loaded, store and modules ready), POST /reload, module routes.
 * With `server.admin.token_file`, everything but GET (and HEAD) /metrics, /healthz and /readyz needs
 * `Authorization: Bearer <token>` (checked before the body is read).
 */
export class AdminServer {
  private server?: Server;
  port = 0;
  draining = false;
  /** Bound to a loopback address: a Host naming another host is a rebound DNS name. */
  private loopback = true;

  constructor(private readonly holder: RuntimeHolder, private readonly logger: Logger) {}

  /** `checks`: true = passed. `draining`: true after SIGTERM (then not ready, whatever the checks say). */
  readiness(): Readiness {
    const rt = this.holder.current;
    const checks: Record<string, boolean> = { config: rt !== undefined, store: this.holder.store?.ready() ?? false };
    for (const [k, m] of rt?.modules ?? []) if (m.ready) checks[k] = m.ready();
    return { ready: !this.draining && Object.values(checks).every(Boolean), draining: this.draining, checks };
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const path = pathOf(req);
    if (PROBE_METHODS.has(req.method) && await serveProbe(path, res, () => this.readiness())) return;
    if (req.method === 'POST' && path === '/reload') {
      const r = await this.holder.reload('admin');
      // 400: the config is bad (fix it); 503: this replica is shutting down (ask another)
      sendJson(res, r.ok ? 200 : r.shuttingDown ? 503 : 400, r);
      return;
    }
    const handled = await this.holder.run(async (rt) => {
      for (const m of rt.modules.values()) {
        for (const route of m.adminRoutes?.() ?? []) {
          if (route.path === path && route.method === req.method) { await route.handle(req, res, body); return true; }
        }
      }
      return false;
    });
    if (!handled) sendJson(res, 404, { error: 'not found' });
  }

  /** True when the request may go on; otherwise a 401 has been sent. The probes need no token. */
  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    if (PROBE_METHODS.has(req.method) && PROBE_PATHS.has(pathOf(req))) return true;
    const expected = this.holder.current?.adminTokenDigest;
    if (expected === undefined) {
      // no token: only the CLI, curl and scripts; a web page's request is refused (admin-browser-guard.ts)
      const why = browserRefusal(req, this.loopback);
      if (why === undefined) return true;
      browserRefusals.inc();
      this.logger.warn({ method: req.method, path: pathOf(req), remote: req.socket.remoteAddress, reason: why }, 'admin request refused: sent by a web page');
      res.setHeader('connection', 'close');
      sendJson(res, 403, { error: `the admin API does not answer browsers (${why}); use the CLI or curl, or set server.admin.token_file` });
      return false;
    }
    const r = checkBearer(req.headers.authorization, expected);
    if (r === 'ok') return true;
    authFailures.inc();
    // the path without its query (values there may be personal); never the presented credentials
    this.logger.warn({ method: req.method, path: pathOf(req), remote: req.socket.remoteAddress, credentials: r }, 'admin request refused: no valid Bearer token');
    res.setHeader('www-authenticate', bearerChallenge(r));
    res.setHeader('connection', 'close');
    sendJson(res, 401, { error: 'unauthorized' });
    return false;
  }

  listen(address: string): Promise<number> {
    this.loopback = isLoopbackHost(parseListenAddress(address).host);
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ADMIN_BODY) { sendJson(res, 413, { error: 'body too large' }); req.destroy(); return; }
        chunks.push(c);
      });
      req.on('end', () => {
        this.handle(req, res, Buffer.concat(chunks)).catch((err) => {
          this.logger.error({ err }, 'admin request failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' }); else res.end();
        });
      });
    };
    this.server = createServer(HTTP_LISTENER_OPTIONS, (req, res) => {
      if (this.authorized(req, res)) onRequest(req, res);
    });
    // Expect: 100-continue: Node would answer 100 before the request handler runs, inviting the body of a
    // request that then gets a 401; the token is checked first, and only an authorized client is invited
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.authorized(req, res)) return;
      res.writeContinue();
      onRequest(req, res);
    });
    return listenOn(this.server, address).then((port) => (this.port = port));
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
