import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { startService } from '../../../src/main.js';

/**
 * /readyz says what it means: `draining` is true while the service drains (after SIGTERM), and every entry
 * of `checks` is true when that check passed. Kubernetes reads only the status: 200 ready, 503 not.
 */
describe('/readyz', () => {
  it('reports draining: false while serving, draining: true (and 503) while draining', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-readyz-'));
    const file = join(dir, 'portcullis.yaml');
    writeFileSync(file, 'server: { grpc: { address: "127.0.0.1:0" }, admin: { address: "127.0.0.1:0" } }\nroutes:\n  - { name: r }\n');
    const prev = { admin: process.env.PORTCULLIS_ADMIN_ADDRESS, grpc: process.env.PORTCULLIS_GRPC_ADDRESS };
    delete process.env.PORTCULLIS_ADMIN_ADDRESS;
    delete process.env.PORTCULLIS_GRPC_ADDRESS;
    const svc = await startService(file, pino({ level: 'silent' }));
    try {
      const url = `http://127.0.0.1:${svc.admin.port}/readyz`;
      const up = await fetch(url);
      const body = await up.json() as { ready: boolean; draining: boolean; checks: Record<string, boolean> };
      assert.equal(up.status, 200);
      assert.equal(body.ready, true);
      assert.equal(body.draining, false, JSON.stringify(body));
      assert.ok(Object.values(body.checks).every((v) => v === true), 'every check passed');
      assert.equal('draining' in body.checks, false, 'no check named "draining" that is true when not draining');

      svc.admin.draining = true;
      const down = await fetch(url);
      const body2 = await down.json() as { ready: boolean; draining: boolean };
      assert.equal(down.status, 503);
      assert.equal(body2.ready, false);
      assert.equal(body2.draining, true);
    } finally {
      svc.admin.draining = false;
      await svc.stop();
      if (prev.admin !== undefined) process.env.PORTCULLIS_ADMIN_ADDRESS = prev.admin;
      if (prev.grpc !== undefined) process.env.PORTCULLIS_GRPC_ADDRESS = prev.grpc;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
