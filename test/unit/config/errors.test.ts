// One fixture file per config error kind (test/fixtures/config/*.yaml). Each starts with
// "# expect: <text>": the load must fail with a message containing the text, prefixed by the file name.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { loadConfigFile } from '../../../src/config/loader.js';
import { buildRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';

const DIR = resolve(import.meta.dirname, '../../fixtures/config');

async function loadAndCompile(file: string): Promise<void> {
  const loaded = loadConfigFile(file, {});
  const store = new MemoryStore();
  try { await buildRuntime(loaded, store, createLogger('silent')); } finally { await store.close(); }
}

describe('config errors name the file, the path and the problem', () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    it(name, async () => {
      const file = join(DIR, name);
      const expect = readFileSync(file, 'utf8').match(/^# expect: (.*)$/m)?.[1];
      assert.ok(expect, 'fixture needs an "# expect:" line');
      await assert.rejects(loadAndCompile(file), (err: unknown) => {
        assert.ok(err instanceof ConfigLoadError, String(err));
        assert.ok(err.message.startsWith(file), `message starts with the file name: ${err.message}`);
        assert.ok(err.message.includes(expect), `expected "${expect}" in:\n${err.message}`);
        return true;
      });
    });
  }

  it('reports every problem, not only the first', () => {
    const text = 'routes:\n  - name: a\n    colour: 1\n  - fail_open: 3\n';
    assert.throws(() => loadConfigFile(writeTemp(text), {}), (err: unknown) => {
      assert.ok(err instanceof ConfigLoadError);
      assert.equal(err.problems.length, 3, err.message);
      return true;
    });
  });

  it('substitutes ${VAR} and ${VAR:-default} after parsing', () => {
    const f = writeTemp('store: { kind: redis, url: "${T_URL}", password: "${T_PW:-fallback}", key_prefix: "$${literal}" }\n');
    const c = loadConfigFile(f, { T_URL: 'redis://10.1.2.3:6379' }).config;
    assert.equal(c.store?.url, 'redis://10.1.2.3:6379');
    assert.equal(c.store?.password, 'fallback');
    assert.equal(c.store?.key_prefix, '${literal}');
  });

  it('an unreadable file is an error naming it', () => {
    assert.throws(() => loadConfigFile('/nonexistent/portcullis.yaml', {}), /\/nonexistent\/portcullis\.yaml: \/: cannot read: ENOENT/);
  });

  it('never echoes a secret value in a type error', () => {
    const f = writeTemp('store: { kind: redis, password: ${T_PW} }\n');
    assert.throws(() => loadConfigFile(f, { T_PW: '12345' }), (err: Error) => {
      assert.ok(!err.message.includes('12345'), err.message);
      return true;
    });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
function writeTemp(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'pc-cfg-')), 'c.yaml');
  writeFileSync(f, text);
  return f;
}
