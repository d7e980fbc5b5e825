import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/loader.js';
import { closeRuntime } from '../../../src/pipeline/runtime.js';
import { runtimeFrom } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-admin-cfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'tok-9f8e7d6c5b4a-do-not-log';

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** The problems of a config that must not load (schema or compile), as "path: message" lines. */
async function problems(yaml: string): Promise<string[]> {
  try {
    const rt = await runtimeFrom(yaml);
    await closeRuntime(rt);
  } catch (err) {
    assert.ok(err instanceof ConfigLoadError, String(err));
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('the config loaded');
}

describe('server.metrics', () => {
  it('takes an address like the admin\'s', () => {
    for (const a of ['0.0.0.0:9090', '127.0.0.1:0', '[::]:9090', 'localhost:9090']) {
      parseConfig(`server: { metrics: { address: "${a}" } }\n`, 'test.yaml', {});
    }
  });

  it('an address that is not host:port is an error naming the path', async () => {
    for (const a of ['9090', '0.0.0.0', '0.0.0.0:', 'http://0.0.0.0:9090', '0.0.0.0:123456', ':: 1:9090']) {
      const p = await problems(`server: { metrics: { address: "${a}" } }\n`);
      assert.equal(p.length, 1, p.join('\n'));
      assert.match(p[0]!, /^\/server\/metrics\/address: must match pattern/, a);
    }
  });

  it('unknown keys under metrics are errors', async () => {
    assert.deepEqual(await problems('server: { metrics: { address: "127.0.0.1:9090", path: /stats } }\n'), ['/server/metrics/path: unknown key "path"']);
  });
});

describe('server.admin.token_file', () => {
  it('a readable token file: the runtime keeps its SHA-256 (not the token) and records the file for watching', async () => {
    const f = file('token', `${SECRET}\n`);
    const rt = await runtimeFrom(`server: { admin: { address: "127.0.0.1:9901", token_file: "${f}" } }\n`);
    try {
      assert.deepEqual(rt.adminTokenDigest, createHash('sha256').update(SECRET).digest());
      assert.ok(rt.files.includes(f), 'the token file is watched like other referenced files');
      assert.ok(!JSON.stringify({ ...rt, modules: undefined, table: undefined }).includes(SECRET));
    } finally { await closeRuntime(rt); }
  });

  it('no token_file: no token needed', async () => {
    const rt = await runtimeFrom('server: { admin: { address: "127.0.0.1:9901" } }\n');
    assert.equal(rt.adminTokenDigest, undefined);
    await closeRuntime(rt);
  });

  it('an empty or whitespace-only file is a config error naming the path, never the content', async () => {
    for (const text of ['', '\n', '  \t\r\n  ']) {
      const f = file('empty-token', text);
      const p = await problems(`server: { admin: { token_file: "${f}" } }\n`);
      assert.equal(p.length, 1);
      assert.match(p[0]!, /^\/server\/admin\/token_file: .*empty/);
    }
  });

  it('a token no Bearer header can carry is a config error that does not quote it', async () => {
    const f = file('spaced-token', `${SECRET} second-half\n`);
    const p = await problems(`server: { admin: { token_file: "${f}" } }\n`);
    assert.equal(p.length, 1);
    assert.match(p[0]!, /^\/server\/admin\/token_file: .*visible ASCII/);
    assert.ok(!p[0]!.includes(SECRET) && !p[0]!.includes('second-half'), p[0]);
  });

  it('a missing file is a config error naming the path', async () => {
    const p = await problems(`server: { admin: { token_file: "${join(dir, 'absent')}" } }\n`);
    assert.deepEqual(p, [`/server/admin/token_file: cannot read ${join(dir, 'absent')}: ENOENT`]);
  });

  it('an empty token_file value is a schema error', async () => {
    const p = await problems('server: { admin: { token_file: "" } }\n');
    assert.equal(p.length, 1);
    assert.match(p[0]!, /^\/server\/admin\/token_file: /);
  });

  it('is reported together with the other compile errors of the file', async () => {
    const p = await problems(`server: { admin: { token_file: "${join(dir, 'absent')}" } }\nroutes:\n  - { name: r, match: { path: { regex: "(" } } }\n`);
    assert.equal(p.length, 2, p.join('\n'));
  });
});
