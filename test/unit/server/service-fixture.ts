import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startService, type Service } from '../../../src/main.js';

const ENV = ['PORTCULLIS_ADMIN_ADDRESS', 'PORTCULLIS_GRPC_ADDRESS', 'PORTCULLIS_METRICS_ADDRESS'] as const;

export interface Fixture { svc: Service; dir: string; file: string; logs(): string; stop(): Promise<void> }

/**
 * startService on a config file in a temp dir (its `server:` block given; gRPC and admin on 127.0.0.1:0),
 * with the listen-address environment cleared and the log captured.
 */
export async function serviceWith(server: string, opts: { env?: Record<string, string>; files?: Record<string, string> } = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-svc-'));
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), text);
  const file = join(dir, 'portcullis.yaml');
  writeFileSync(file, `server:\n  grpc: { address: "127.0.0.1:0" }\n${server}\nroutes:\n  - { name: r }\n`);
  const prev = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  for (const k of ENV) delete process.env[k];
  Object.assign(process.env, opts.env);
  let text = '';
  const sink = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } });
  const restore = () => {
    for (const k of ENV) { if (prev[k] === undefined) delete process.env[k]; else process.env[k] = prev[k]; }
  };
  let svc: Service;
  try {
    svc = await startService(file, pino({ level: 'info' }, sink));
  } catch (err) {
    restore();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    svc, dir, file, logs: () => text,
    async stop() {
      await svc.stop();
      restore();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
