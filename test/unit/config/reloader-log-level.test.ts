import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { RuntimeHolder } from '../../../src/config/reloader.js';
import { createLogger } from '../../../src/telemetry/logger.js';

const config = (level?: string) => `
${level ? `log: { level: ${level} }` : ''}
routes:
  - name: r
    match: { path: { prefix: / } }
`;

describe('log.level follows the config on reload', () => {
  it('applies at start, changes on reload, and returns to the process default when removed', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } });
    const logger = createLogger('info', sink);
    const child = logger.child({ component: 'x' });
    const file = join(mkdtempSync(join(tmpdir(), 'loglevel-')), 'portcullis.yaml');
    writeFileSync(file, config('warn'));
    const holder = new RuntimeHolder(file, logger);
    try {
      await holder.start();
      assert.equal(logger.level, 'warn');
      writeFileSync(file, config('debug'));
      assert.equal((await holder.reload('test')).ok, true);
      assert.equal(logger.level, 'debug');
      child.debug('seen by a component logger created before the reload');
      assert.ok(lines.some((l) => l.includes('seen by a component logger')));
      writeFileSync(file, config());
      assert.equal((await holder.reload('test')).ok, true);
      assert.equal(logger.level, 'info', 'the level the process started with');
      // a failed reload keeps the last good level
      writeFileSync(file, config('debug') + '\nbogus: 1\n');
      assert.equal((await holder.reload('test')).ok, false);
      assert.equal(logger.level, 'info');
    } finally {
      await holder.close();
    }
  });
});
