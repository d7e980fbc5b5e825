import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { spawnManaged, waitFor, type Managed } from './proc.js';

export const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');

export interface PortcullisProc {
  name: string;
  grpcPort: number;
  adminPort: number;
  grpcAddress: string;
  adminUrl: string;
  configFile: string;
  proc: Managed;
  logs(): string;
  /** Replace the config file's content (the service reloads on file change). */
  writeConfig(text: string): void;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  start(): Promise<void>;
}

export interface PortcullisOptions {
  dir: string;
  name?: string;
  config: string;
  env?: Record<string, string>;
  /** Wait for /readyz (default) or only /healthz. */
  wait?: 'ready' | 'alive';
}

async function admin(url: string): Promise<number> {
  const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await r.arrayBuffer();
  return r.status;
}

/** A real Portcullis process (`node --import tsx src/cli.ts serve`) on free ports. */
export async function startPortcullis(o: PortcullisOptions): Promise<PortcullisProc> {
  const name = o.name ?? 'portcullis';
  const grpcPort = await freePort();
  const adminPort = await freePort();
  const configFile = join(o.dir, `${name}.yaml`);
  writeFileSync(configFile, o.config);
  const p: PortcullisProc = {
    name, grpcPort, adminPort, configFile,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    proc: undefined as unknown as Managed,
    logs: () => p.proc.logs(),
    writeConfig: (text) => writeFileSync(configFile, text),
    stop: (signal = 'SIGTERM') => p.proc.stop(signal),
    async start() {
      // PORTCULLIS_NODE_ARGS: extra node flags for profiling (e.g. --cpu-prof), not allowed in NODE_OPTIONS
      const nodeArgs = (o.env?.PORTCULLIS_NODE_ARGS ?? process.env.PORTCULLIS_NODE_ARGS ?? '').split(' ').filter(Boolean);
      p.proc = spawnManaged(name, process.execPath, [...nodeArgs, '--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'serve', '--config', configFile], {
        dir: o.dir, cwd: REPO,
        env: {
          PORTCULLIS_GRPC_ADDRESS: p.grpcAddress,
          PORTCULLIS_ADMIN_ADDRESS: `127.0.0.1:${adminPort}`,
          PORTCULLIS_LOG_LEVEL: process.env.PORTCULLIS_TEST_LOG_LEVEL ?? 'info',
          ...o.env,
        },
      });
      const path = o.wait === 'alive' ? '/healthz' : '/readyz';
      try {
        await waitFor(`${name} ${path}`, async () => (await admin(p.adminUrl + path)) === 200, 30000, 100, p.proc);
      } catch (err) {
        // not yet in the stack's list of started processes: stop it here, or it keeps the test process alive
        await p.proc.stop('SIGKILL');
        throw err;
      }
    },
  };
  await p.start();
  return p;
}
