import type { IncomingMessage, ServerResponse } from 'node:http';

export interface AdminRoute {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** Exact path, e.g. "/admin/revoke". */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void | Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
