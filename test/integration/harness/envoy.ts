import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvoy } from '../../../scripts/render-envoy.js';
import { freePort } from './ports.js';
import { spawnManaged, waitFor, type Managed } from './proc.js';
import { envoyBinary } from './tools.js';

let baseId = 100 + (process.pid % 5000) * 10;

export interface EnvoyProc {
  httpPort: number;
  httpsPort: number;
  mtlsPort: number;
  adminPort: number;
  adminUrl: string;
  configFile: string;
  proc: Managed;
  logs(): string;
  stop(): Promise<void>;
  /** Counter or gauge value from Envoy's /stats (e.g. cluster.portcullis.upstream_rq_total). */
  stat(name: string): Promise<number>;
}

export interface EnvoyOptions {
  dir: string;
  portcullis: string[];          // host:port of each replica
  upstreamPort: number;
  certDir: string;
  vars?: Record<string, string>;
  /** Template file under envoy/ (default envoy.yaml). */
  template?: string;
  /** Wait for healthy hosts in the cluster named `portcullis` (default: unless EXT_AUTHZ=false); off for templates without one. */
  waitHealthy?: boolean;
}

/** A real Envoy with envoy/envoy.yaml (or o.template) rendered for these ports; waits for /ready and healthy Portcullis hosts. */
export async function startEnvoy(o: EnvoyOptions): Promise<EnvoyProc> {
  const [httpPort, httpsPort, mtlsPort, adminPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const up = String(o.upstreamPort);
  const yaml = renderEnvoy({
    ENVOY_ADMIN_PORT: String(adminPort), HTTP_PORT: String(httpPort), HTTPS_PORT: String(httpsPort), MTLS_PORT: String(mtlsPort),
    CERT_DIR: o.certDir, PORTCULLIS_ADDRESSES: o.portcullis.join(','),
    USERS_PORT: up, PAYMENTS_PORT: up, ORDERS_PORT: up, INVENTORY_PORT: up, WEB_PORT: up,
    ACCESS_LOG: join(o.dir, 'access.log'),
    // the shipped 0.5 s is a production budget; on a loaded test machine a cold first Check (JIT, GC) can pass
    // it and Envoy answers its own bodiless 403. Tests about the timeout set it themselves.
    EXT_AUTHZ_TIMEOUT: '5s',
    ...o.vars,
  }, o.template);
  const configFile = join(o.dir, 'envoy.yaml');
  writeFileSync(configFile, yaml);
  const id = baseId++;
  const proc = spawnManaged('envoy', envoyBinary(), [
    '-c', configFile, '--base-id', String(id), '--concurrency', process.env.ENVOY_CONCURRENCY ?? '1',
    '--log-level', process.env.ENVOY_LOG_LEVEL ?? 'warn', '--disable-hot-restart', '--file-flush-interval-msec', '200',
  ], { dir: o.dir });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitFor('envoy /ready', async () => (await fetch(`${adminUrl}/ready`)).status === 200, 30000, 100, proc);
  const e: EnvoyProc = {
    httpPort, httpsPort, mtlsPort, adminPort, adminUrl, configFile, proc,
    logs: () => proc.logs(),
    async stop() { await proc.stop('SIGTERM'); },
    async stat(name: string) {
      const text = await (await fetch(`${adminUrl}/stats?filter=${encodeURIComponent(`^${name.replace(/\./g, '\\.')}$`)}`)).text();
      const m = text.match(/:\s*(\d+)/);
      return m ? Number(m[1]) : 0;
    },
  };
  if (o.waitHealthy ?? o.vars?.EXT_AUTHZ !== 'false') await waitHealthy(e, o.portcullis.length);
  return e;
}

/** Wait until Envoy's active health checks see `n` healthy Portcullis hosts. */
export async function waitHealthy(e: EnvoyProc, n: number, timeoutMs = 20000): Promise<void> {
  await waitFor(`envoy: ${n} healthy portcullis hosts`, async () => {
    const text = await (await fetch(`${e.adminUrl}/clusters`)).text();
    const healthy = text.split('\n').filter((l) => l.startsWith('portcullis::') && l.includes('::health_flags::healthy')).length;
    return healthy === n;
  }, timeoutMs, 100, e.proc);
}
