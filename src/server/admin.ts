import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RuntimeHolder } from '../config/reloader.js';
import { registry } from '../telemetry/metrics.js';
import { sendJson } from './admin-route.js';

const MAX_ADMIN_BODY = 1024 * 1024;

/** /metrics, /healthz (alive), /readyz (config loaded, store and modules ready), POST /reload, module routes. */
export class AdminServer {
  private server?: Server;
  port = 0;
  draining = false;

  constructor(private readonly holder: RuntimeHolder, private readonly logger: Logger) {}

  /** `checks`: true = passed. `draining`: true after SIGTERM (then not ready, whatever the checks say). */
  readiness(): { ready: boolean; draining: boolean; checks: Record<string, boolean> } {
    const rt = this.holder.current;
    const checks: Record<string, boolean> = { config: rt !== undefined, store: this.holder.store?.ready() ?? false };
    for (const [k, m] of rt?.modules ?? []) if (m.ready) checks[k] = m.ready();
    return { ready: !this.draining && Object.values(checks).every(Boolean), draining: this.draining, checks };
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
      return;
    }
    if (req.method === 'GET' && path === '/healthz') { sendJson(res, 200, { status: 'ok' }); return; }
    if (req.method === 'GET' && path === '/readyz') {
      const r = this.readiness();
      sendJson(res, r.ready ? 200 : 503, r);
      return;
    }
    if (req.method === 'POST' && path === '/reload') {
      const r = await this.holder.reload('admin');
      sendJson(res, r.ok ? 200 : 400, r);
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

  listen(address: string): Promise<number> {
    const i = address.lastIndexOf(':');
    const host = address.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(i + 1));
    this.server = createServer((req, res) => {
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
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => {
        const a = this.server!.address();
        this.port = typeof a === 'object' && a ? a.port : port;
        resolve(this.port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => { this.server?.closeAllConnections(); this.server?.close(() => resolve()) ?? resolve(); });
  }
}
