import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import { parseConfig } from '../../../src/config/loader.js';
import { buildRuntime, closeRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';

/** Config-load warnings: each logged line (JSON) and what the runtime keeps for validate-config. */
async function load(yaml: string): Promise<{ logged: Array<Record<string, unknown>>; warnings: readonly string[] }> {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, new Writable({ write(chunk, _e, cb) { lines.push(chunk.toString()); cb(); } }));
  const rt = await buildRuntime(parseConfig(yaml, 'test.yaml', {}), new MemoryStore(), logger);
  await closeRuntime(rt);
  const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).includes('throttle'));
  return { logged, warnings: rt.warnings ?? [] };
}

const head = `default_action: { action: allow }
threat: { events: { log: false } }
ratelimit:
  limits:
    plain: { by: ip, requests_per_unit: 100, unit: minute }
    slowed: { by: ip, requests_per_unit: 100, unit: minute, throttled_requests_per_unit: 10 }
routes:
`;

describe('config load warns about routes whose throttle action can fire but no limit sets throttled_requests_per_unit', () => {
  it('a route with no rate limit, and one whose limits set no throttled limit, are each named (path and route)', async () => {
    const { logged, warnings } = await load(`${head}  - name: bare
    match: { path: { prefix: /a } }
  - name: plain
    match: { path: { prefix: /b } }
    ratelimit: { limits: [plain, { name: own, by: ip, requests_per_unit: 5, unit: second }] }
`);
    assert.deepEqual(logged.map((l) => l.route), ['bare', 'plain']);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /^test\.yaml:\d+:\d+: \/routes\/0: .*bare.*throttled_requests_per_unit/);
    assert.match(warnings[1]!, /\/routes\/1\/ratelimit\/limits: .*plain.*throttled_requests_per_unit/);
  });

  it('no warning: a throttled limit (named or inline), detect or off mode, throttle at block, or no threat config', async () => {
    const quiet = await load(`${head}  - name: named
    match: { path: { prefix: /a } }
    ratelimit: { limits: [plain, { limit: slowed, hits_addend: 2 }] }
  - name: inline
    match: { path: { prefix: /b } }
    ratelimit: { limits: [{ by: ip, requests_per_unit: 5, unit: second, throttled_requests_per_unit: 0 }] }
  - name: detect
    match: { path: { prefix: /c } }
    threat: { mode: detect }
  - name: off
    match: { path: { prefix: /d } }
    threat: { mode: off }
  - name: never
    match: { path: { prefix: /e } }
    threat: { throttle: 0.8, block: 0.8 }
`);
    assert.deepEqual(quiet.logged, []);
    assert.deepEqual(quiet.warnings, []);
    const noThreat = await load('default_action: { action: allow }\nroutes:\n  - name: a\n    match: { path: { prefix: / } }\n');
    assert.deepEqual(noThreat.warnings, []);
  });

  it('global detect mode with a route in enforce mode warns for that route only', async () => {
    const { warnings } = await load(`default_action: { action: allow }
threat: { mode: detect, events: { log: false } }
routes:
  - name: watched
    match: { path: { prefix: /a } }
  - name: enforced
    match: { path: { prefix: /b } }
    threat: { mode: enforce }
`);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /\/routes\/1\/threat: .*enforced/);
  });
});

describe('validate-config prints the warning and still exits 0', () => {
  it('warning: file:line:col: path: message on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'throttle-warning-'));
    try {
      const file = join(dir, 'p.yaml');
      writeFileSync(file, `${head}  - name: bare\n    match: { path: { prefix: /a } }\n`);
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'validate-config', file], { cwd: resolve(import.meta.dirname, '../../..'), encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^warning: .*p\.yaml:\d+:\d+: \/routes\/0: route "bare": .*throttled_requests_per_unit/m);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
