import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { startService } from '../../../src/main.js';
import { threatModule } from '../../../src/threat/module.js';

const config = (name: string) => `
server: { grpc: { address: "127.0.0.1:0" }, admin: { address: "127.0.0.1:0" }, drain_timeout_ms: 2000 }
threat: { mode: detect }
routes:
  - { name: ${name}, match: { path: { prefix: / } } }
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Records every threat instance built and whether it was closed; `createGate` / `closeGate` (when set) hold
 * the next create() / close() until opened: a reload mid-build, a shutdown mid-close.
 */
function tracked() {
  const create = threatModule.create;
  const built: { closed: boolean }[] = [];
  const t = {
    built,
    createGate: undefined as Promise<void> | undefined,
    closeGate: undefined as Promise<void> | undefined,
    closing: 0,
    restore: () => { threatModule.create = create; },
  };
  threatModule.create = async (g, env) => {
    if (t.createGate) await t.createGate;
    const inst = await create(g, env);
    const rec = { closed: false };
    built.push(rec);
    const close = inst.close?.bind(inst);
    inst.close = async (deadline) => {
      t.closing++;
      if (t.closeGate) await t.closeGate;
      rec.closed = true;
      await close?.(deadline);
    };
    return inst;
  };
  return t;
}

function logged() {
  let text = '';
  return { logger: pino({ level: 'info' }, new Writable({ write(c, _e, cb) { text += String(c); cb(); } })), text: () => text };
}

/**
 * Once shutdown (SIGTERM) has begun, a SIGHUP, POST /reload or file change must not build a runtime nobody
 * closes: it is refused (and logged), and a reload already building when the shutdown began closes what it built.
 */
describe('reloads and shutdown', () => {
  it('a reload asked for after shutdown began is refused, logged, and builds nothing', async () => {
    const t = tracked();
    const dir = mkdtempSync(join(tmpdir(), 'reload-stop-'));
    const file = join(dir, 'portcullis.yaml');
    writeFileSync(file, config('first'));
    const log = logged();
    const svc = await startService(file, log.logger);
    let open!: () => void;
    try {
      assert.equal(t.built.length, 1);
      t.closeGate = new Promise<void>((r) => { open = r; });
      const stopping = svc.stop();
      // shutdown is closing the live runtime now: past the point where it waits for reloads in the chain
      while (t.closing === 0) await sleep(5);
      writeFileSync(file, config('second'));
      const r = await svc.holder.reload('SIGHUP');
      open();
      await stopping;
      assert.ok(t.built.every((b) => b.closed), `every runtime built was closed: ${JSON.stringify(t.built)}`);
      assert.equal(r.ok, false, 'refused');
      assert.match(r.error ?? '', /shutting down/);
      assert.match(log.text(), /reload refused: shutting down/);
      assert.ok(t.built.every((b) => b.closed), `every runtime built was closed: ${JSON.stringify(t.built)}`);
    } finally {
      open?.();
      t.restore();
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a reload still building when shutdown began closes what it built, and is not swapped in', async () => {
    const t = tracked();
    const dir = mkdtempSync(join(tmpdir(), 'reload-stop-'));
    const file = join(dir, 'portcullis.yaml');
    writeFileSync(file, config('first'));
    const svc = await startService(file, pino({ level: 'silent' }));
    let open!: () => void;
    try {
      const first = svc.holder.current;
      t.createGate = new Promise<void>((r) => { open = r; });
      writeFileSync(file, config('second'));
      const reloading = svc.holder.reload('SIGHUP');
      await sleep(50);
      const stopping = svc.stop();
      await sleep(50);
      open();
      const r = await reloading;
      await stopping;
      assert.equal(r.ok, false, 'the shutdown won: not swapped in');
      assert.equal(svc.holder.current, first);
      assert.equal(t.built.length, 2);
      assert.ok(t.built.every((b) => b.closed), `every runtime built was closed: ${JSON.stringify(t.built)}`);
    } finally {
      open?.();
      t.restore();
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('before shutdown, reloads work as ever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-stop-'));
    const file = join(dir, 'portcullis.yaml');
    writeFileSync(file, config('first'));
    const svc = await startService(file, pino({ level: 'silent' }));
    try {
      writeFileSync(file, config('second'));
      assert.equal((await svc.holder.reload('SIGHUP')).ok, true);
      assert.equal(svc.holder.current.config.routes?.[0]?.name, 'second');
    } finally {
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
