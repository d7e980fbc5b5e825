import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RuntimeHolder } from '../../../src/config/reloader.js';
import { threatModule } from '../../../src/threat/module.js';
import { ctxOf } from '../identity/helpers.js';

const silent = pino({ level: 'silent' });
const config = (name: string) => `
threat: { mode: detect }
routes:
  - name: ${name}
    match: { path: { prefix: / } }
`;

describe('config reload: a module whose start() throws', () => {
  it('leaves the previous runtime and its store live and whole; the reload is reported failed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'reloader-')), 'portcullis.yaml');
    writeFileSync(file, config('first'));
    const holder = new RuntimeHolder(file, silent);
    await holder.start();
    const before = holder.current;
    const store = holder.store;
    const create = threatModule.create;
    threatModule.create = async (g, env) => {
      const inst = await create(g, env);
      inst.start = () => { throw new Error('start failed'); };
      return inst;
    };
    try {
      writeFileSync(file, config('second'));
      const r = await holder.reload('test');
      assert.equal(r.ok, false);
      assert.match(r.error!, /start failed/);
      assert.equal(holder.current, before, 'the previous runtime is still the live one');
      assert.equal(holder.current.table.match(ctxOf({ path: '/x' }))?.name, 'first', 'it still routes with the first config');
      assert.equal(holder.store, store);
      assert.equal(store.ready(), true, 'its store was not closed');
    } finally {
      threatModule.create = create;
      await holder.close();
    }
  });
});

describe('config reload: log.level', () => {
  it('a reload applies the new log.level, and a config without one goes back to the level the process started with', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'reloader-')), 'portcullis.yaml');
    const logger = pino({ level: 'warn' }, { write: () => undefined });
    writeFileSync(file, config('first'));
    const holder = new RuntimeHolder(file, logger);
    try {
      await holder.start();
      assert.equal(logger.level, 'warn');
      writeFileSync(file, `log: { level: debug }\n${config('second')}`);
      assert.equal((await holder.reload('test')).ok, true);
      assert.equal(logger.level, 'debug', 'log.level: debug took effect on reload (log.allows does too)');
      writeFileSync(file, `log: { level: debug }\n${config('third')}\n    bogus: 1\n`);
      assert.equal((await holder.reload('test')).ok, false);
      assert.equal(logger.level, 'debug', 'a rejected reload leaves the level of the live config');
      writeFileSync(file, config('fourth'));
      assert.equal((await holder.reload('test')).ok, true);
      assert.equal(logger.level, 'warn', 'no log.level: the starting level again');
    } finally {
      await holder.close();
    }
  });
});
