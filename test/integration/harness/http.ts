import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Resp {
  status: number;
  headers: Record<string, string>;
  /** Every header line as received, in order (repeated names stay separate). */
  rawHeaders: Array<[string, string]>;
  body: string;
  json(): any;
}

export interface ReqOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  via?: 'http' | 'tls' | 'mtls';
  /** PEMs for TLS: ca always; cert/key for mTLS. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  timeoutMs?: number;
  /** Source address on loopback (e.g. 127.0.0.7), so Envoy sees a distinct client IP. */
  from?: string;
}

/** One HTTP(S) request to 127.0.0.1:port; the path is sent as given (no normalisation). */
export function send(port: number, o: ReqOptions): Promise<Resp> {
  const tls = o.via === 'tls' || o.via === 'mtls';
  const fn = tls ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
  return new Promise((resolve, reject) => {
    const req = fn({
      host: '127.0.0.1', port, localAddress: o.from, method: o.method ?? 'GET', path: o.path, headers, agent: false,
      ...(tls ? { ca: o.ca, cert: o.cert, key: o.key, servername: 'localhost' } : {}),
      timeout: o.timeoutMs ?? 10000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) h[k] = Array.isArray(v) ? v.join(', ') : String(v);
        const raw: Array<[string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, headers: h, rawHeaders: raw, body, json: () => JSON.parse(body) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`request timed out: ${o.method ?? 'GET'} ${o.path}`)));
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}
