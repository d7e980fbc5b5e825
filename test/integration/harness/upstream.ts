import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface SeenRequest {
  method: string; path: string; headers: Record<string, string | string[] | undefined>; body: string;
  /** Header lines as received, flat [name, value, name, value, …] (repeated names stay separate). */
  rawHeaders: string[];
}

/** An upstream service that answers 200 with the request it saw, as JSON: { method, path, headers, body }. */
export interface EchoUpstream {
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), rawHeaders: req.rawHeaders };
      if (seen.length < 10000) seen.push(r); // bounded: load tests do not grow it forever
      const body = JSON.stringify(r);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return {
    port: typeof a === 'object' && a ? a.port : 0,
    seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
