import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { startService } from '../../../src/main.js';
import { threatModule } from '../../../src/threat/module.js';

const quiet = () => pino({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));

function occupied(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/**
 * The config loaded and the runtime was built, then a listener could not bind (the port is taken): startService
 * throws, and what it had started — the runtime's modules, the gRPC listener — is closed, not left running.
 */
describe('startService when a listener cannot bind', () => {
  for (const which of ['admin', 'metrics'] as const) {
    it(`closes the runtime and the gRPC listener when the ${which} port is taken`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pc-bind-'));
      const taken = await occupied();
      const create = threatModule.create;
      const built: { closed: boolean }[] = [];
      threatModule.create = async (g, env) => {
        const inst = await create(g, env);
        const rec = { closed: false };
        built.push(rec);
        const close = inst.close?.bind(inst);
        inst.close = async (deadline) => { rec.closed = true; await close?.(deadline); };
        return inst;
      };
      try {
        const grpcPort = (await occupied()); // a free port for gRPC, released again for the service to take
        await new Promise<void>((r) => grpcPort.server.close(() => r()));
        const admin = which === 'admin' ? `127.0.0.1:${taken.port}` : '127.0.0.1:0';
        const metricsLine = which === 'metrics' ? `, metrics: { address: "127.0.0.1:${taken.port}" }` : '';
        const file = join(dir, 'portcullis.yaml');
        writeFileSync(file, `
server: { grpc: { address: "127.0.0.1:${grpcPort.port}" }, admin: { address: "${admin}" }${metricsLine} }
threat: { mode: detect }
routes:
  - { name: r, match: { path: { prefix: / } } }
`);
        await assert.rejects(startService(file, quiet()), /EADDRINUSE/);
        assert.equal(built.length, 1, 'the runtime was built once');
        assert.equal(built[0]!.closed, true, 'the runtime built before the bind failure is closed');
        // the gRPC port it had bound is free again
        const again = createServer();
        await new Promise<void>((resolve, reject) => { again.once('error', reject); again.listen(grpcPort.port, '127.0.0.1', () => resolve()); });
        await new Promise<void>((r) => again.close(() => r()));
      } finally {
        threatModule.create = create;
        await new Promise<void>((r) => taken.server.close(() => r()));
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
