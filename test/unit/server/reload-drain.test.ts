import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { startService } from '../../../src/main.js';
import { AUTH_SERVICE } from '../../../src/server/grpc.js';
import { clientCtor } from '../../../src/server/protos.js';
import { threatModule } from '../../../src/threat/module.js';

const silent = pino({ level: 'silent' });
const config = (name: string, drainMs: number) => `
server: { grpc: { address: "127.0.0.1:0" }, admin: { address: "127.0.0.1:0" }, drain_timeout_ms: ${drainMs} }
threat: { mode: detect }
routes:
  - name: ${name}
    match: { path: { prefix: / } }
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every threat instance gets a first stage that waits for `gate` and then fails (ERR_INTERNAL) if its
 * instance was closed meanwhile: what a Check sees when its introspection client, Redis store, policy
 * worker or event sink is released under it.
 */
function gatedThreat(gate: Promise<void>): { restore(): void; closed: boolean[]; waiting: () => number } {
  const create = threatModule.create;
  const closed: boolean[] = [];
  let waiting = 0;
  threatModule.create = async (g, env) => {
    const inst = await create(g, env);
    const i = closed.push(false) - 1;
    const close = inst.close?.bind(inst);
    inst.close = async () => { closed[i] = true; await close?.(); };
    const stages = inst.stages.bind(inst);
    inst.stages = (route, info) => [{
      name: 'gate', phase: 'screen',
      run: async () => { waiting++; await gate; if (closed[i]) throw new Error('used after close'); },
    }, ...stages(route, info)];
    return inst;
  };
  return { restore: () => { threatModule.create = create; }, closed, waiting: () => waiting };
}

function check(address: string, path: string): Promise<any> {
  const Client = clientCtor(AUTH_SERVICE) as any;
  const c = new Client(address, grpc.credentials.createInsecure());
  const req = { attributes: { source: { address: { socket_address: { address: '10.0.0.1', port_value: 1 } } }, request: { http: { method: 'GET', path, host: 'x', headers: {} } } } };
  return new Promise((resolve, reject) => c.Check(req, (err: unknown, r: unknown) => { c.close(); if (err) reject(err); else resolve(r); }));
}

describe('config reload while Checks run on the old config', () => {
  it('a Check started before a reload finishes on the old config, which is closed only after it', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const g = gatedThreat(gate);
    const file = join(mkdtempSync(join(tmpdir(), 'drain-')), 'portcullis.yaml');
    writeFileSync(file, config('first', 30_000));
    const svc = await startService(file, silent);
    try {
      const pending = check(`127.0.0.1:${svc.grpc.port}`, '/slow');
      while (g.waiting() === 0) await sleep(10);
      writeFileSync(file, config('second', 30_000));
      assert.equal((await svc.holder.reload('test')).ok, true);
      // longer than the old fixed one-second grace
      await sleep(1300);
      assert.equal(g.closed[0], false, 'the old config is not closed while a Check runs on it');
      open();
      const r = await pending;
      assert.equal(r.status.code, 0, `the in-flight Check is allowed, not failed closed: ${JSON.stringify(r.denied_response?.body ?? '')}`);
      // then it is closed
      while (!g.closed[0]) await sleep(10);
    } finally {
      open();
      g.restore();
      await svc.stop();
    }
  });

  it('a Check that never finishes does not keep the old config open past server.drain_timeout_ms', async () => {
    const g = gatedThreat(new Promise<void>(() => undefined));
    const file = join(mkdtempSync(join(tmpdir(), 'drain-')), 'portcullis.yaml');
    writeFileSync(file, config('first', 200));
    const svc = await startService(file, silent);
    try {
      void check(`127.0.0.1:${svc.grpc.port}`, '/hung').catch(() => undefined);
      while (g.waiting() === 0) await sleep(10);
      writeFileSync(file, config('second', 200));
      assert.equal((await svc.holder.reload('test')).ok, true);
      // the test ends only if the old config is closed while its Check still hangs
      while (!g.closed[0]) await sleep(20);
    } finally {
      g.restore();
      await svc.stop();
    }
  });
});
