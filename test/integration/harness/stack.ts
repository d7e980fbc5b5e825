import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEnvoy, waitHealthy, type EnvoyProc } from './envoy.js';
import { send, type ReqOptions, type Resp } from './http.js';
import { REPO, startPortcullis, type PortcullisProc } from './portcullis.js';
import { startRedis, startRedisCluster, type RedisCluster, type RedisNode } from './redis.js';
import { startEchoUpstream, type EchoUpstream } from './upstream.js';

export interface ConfigVars {
  /** redis://127.0.0.1:PORT when redis: 'single' */
  redisUrl?: string;
  /** host:port seeds when redis: 'cluster' */
  redisNodes?: string[];
  /** temp dir of this stack, for files the config refers to */
  dir: string;
  certDir: string;
}

export interface StackOptions {
  config: string | ((v: ConfigVars) => string);
  redis?: 'single' | 'cluster';
  replicas?: number;
  env?: Record<string, string>;
  /** template: a file under envoy/ instead of envoy.yaml; waitHealthy: false for a template without a `portcullis` cluster. */
  envoy?: { vars?: Record<string, string>; template?: string; waitHealthy?: boolean };
  /** Wait for /readyz (default) or only /healthz of each replica. */
  wait?: 'ready' | 'alive';
}

export interface Certs { ca: Buffer; clientCert: Buffer; clientKey: Buffer; otherCert: Buffer; otherKey: Buffer; dir: string }

export interface Stack {
  dir: string;
  certs: Certs;
  envoy: EnvoyProc;
  portcullis: PortcullisProc[];
  redis?: RedisNode;
  cluster?: RedisCluster;
  upstream: EchoUpstream;
  vars: ConfigVars;
  /** A request through Envoy. via: http (default) | tls | mtls (client cert = certs.client unless given). */
  request(o: ReqOptions): Promise<Resp>;
  waitHealthy(n?: number): Promise<void>;
  stop(): Promise<void>;
}

export function makeCerts(dir: string): Certs {
  execFileSync('bash', [join(REPO, 'scripts', 'gen-certs.sh'), dir], { stdio: 'pipe' });
  const r = (f: string) => readFileSync(join(dir, f));
  return { dir, ca: r('ca.crt'), clientCert: r('client.crt'), clientKey: r('client.key'), otherCert: r('other-client.crt'), otherKey: r('other-client.key') };
}

/** Redis (optional) + N Portcullis replicas + echo upstream + Envoy, all real, on free loopback ports. */
export async function startStack(o: StackOptions): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-it-'));
  const started: Array<{ stop(): Promise<unknown> }> = [];
  try {
    const certs = makeCerts(join(dir, 'certs'));
    let redis: RedisNode | undefined;
    let cluster: RedisCluster | undefined;
    if (o.redis === 'single') { redis = await startRedis(dir); started.push(redis); }
    if (o.redis === 'cluster') { cluster = await startRedisCluster(dir); started.push(cluster); }
    const vars: ConfigVars = { redisUrl: redis?.url, redisNodes: cluster?.seeds, dir, certDir: certs.dir };
    const config = typeof o.config === 'function' ? o.config(vars) : o.config;
    const upstream = await startEchoUpstream();
    started.push({ stop: () => upstream.close() });
    const portcullis: PortcullisProc[] = [];
    for (let i = 0; i < (o.replicas ?? 1); i++) {
      const p = await startPortcullis({ dir, name: `portcullis-${i}`, config, env: o.env, wait: o.wait });
      portcullis.push(p);
      started.push({ stop: () => p.stop('SIGKILL') });
    }
    const envoy = await startEnvoy({ dir, portcullis: portcullis.map((p) => p.grpcAddress), upstreamPort: upstream.port, certDir: certs.dir, vars: o.envoy?.vars, template: o.envoy?.template, waitHealthy: o.envoy?.waitHealthy });
    started.push({ stop: () => envoy.stop() });
    const stack: Stack = {
      dir, certs, envoy, portcullis, redis, cluster, upstream, vars,
      request(r: ReqOptions) {
        const via = r.via ?? 'http';
        const port = via === 'http' ? envoy.httpPort : via === 'tls' ? envoy.httpsPort : envoy.mtlsPort;
        return send(port, {
          ...r, via,
          ca: r.ca ?? certs.ca,
          cert: via === 'mtls' ? (r.cert ?? certs.clientCert) : r.cert,
          key: via === 'mtls' ? (r.key ?? certs.clientKey) : r.key,
        });
      },
      waitHealthy: (n = portcullis.length) => waitHealthy(envoy, n),
      async stop() {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
        if (!process.env.PORTCULLIS_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}
