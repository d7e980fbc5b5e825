import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyReport, readDecisionLog, replay } from '../../../src/policy/cli/replay.js';
import { localEngine } from '../../../src/policy/cli/load-local.js';
import { EXAMPLES_BUNDLE, opaBuild, REPO } from './helpers.js';

function sources(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (!n.endsWith('_test.rego')) out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const ev = (id: string, method: string, path: string, roles: string[], result: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({
  labels: { app: 'portcullis' }, decision_id: id, path: 'portcullis/rbac/allow', result, timestamp: '2024-05-15T10:00:00Z',
  input: { attributes: { request: { http: { method, path, headers: {} } } }, portcullis: { identity: { kind: 'jwt', subject: 'u', roles, claims: {} } } },
  custom: { route: 'api' }, ...extra,
});

describe('policy replay', () => {
  let dir: string;
  let log: string;
  let newBundle: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-replay-'));
    log = join(dir, 'decisions.jsonl');
    writeFileSync(log, [
      ev('d-read', 'GET', '/api/v1/orders/1', ['reader'], true),
      '{"level":30,"msg":"portcullis started"}',
      'not json at all',
      ev('d-write', 'POST', '/api/v1/orders', ['writer'], true),
      ev('d-deny', 'DELETE', '/api/v1/orders/1', ['reader'], false),
      ev('d-masked', 'GET', '/api/v1/users/1', ['reader'], true, { erased: ['/input/attributes/request/http/headers/authorization'] }),
      ev('d-err', 'GET', '/api/v1/x', ['reader'], undefined, { error: { code: 'ERR_POLICY', message: 'boom' } }),
      JSON.stringify([JSON.parse(ev('d-batch', 'GET', '/api/v2/x', ['reader'], false))]),
      // the same write, logged on a Wednesday morning (allowed) and on a Saturday (denied): whatever the
      // time of the replay, reading the clock instead of the event's timestamp would flip one of them
      ev('d-abac', 'POST', '/api/v1/notes', [], true, { path: 'portcullis/abac/decision', input: { attributes: { request: { http: { method: 'POST', path: '/api/v1/notes' } } }, portcullis: { identity: { kind: 'jwt', subject: 'u', roles: [], claims: {} } } }, result: { allowed: true } }),
      ev('d-abac-sat', 'POST', '/api/v1/notes', [], true, { timestamp: '2024-05-18T10:00:00Z', path: 'portcullis/abac/decision', input: { attributes: { request: { http: { method: 'POST', path: '/api/v1/notes' } } }, portcullis: { identity: { kind: 'jwt', subject: 'u', roles: [], claims: {} } } }, result: { allowed: false } }),
    ].join('\n'));
    // the change under review: writers may no longer create orders, readers may read /api/v2 too
    const files = sources(join(REPO, 'policies', 'src'));
    const rbac = JSON.parse(files['portcullis/rbac/data.json']!);
    rbac.role_permissions.writer = rbac.role_permissions.writer.filter((g: any) => !g.methods.includes('POST'));
    rbac.role_permissions.reader.push({ methods: ['GET'], path: '/api/v2/**' });
    files['portcullis/rbac/data.json'] = JSON.stringify(rbac);
    newBundle = join(dir, 'new.tar.gz');
    writeFileSync(newBundle, opaBuild({ files, revision: 'proposed' }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports every decision that flips, and nothing else', async () => {
    const { engine } = await localEngine(newBundle, []);
    const report = emptyReport();
    await replay(readDecisionLog(log, report), engine, report);
    assert.equal(report.events, 8);
    assert.deepEqual(report.skipped, { not_json: 1, not_a_decision: 1 });
    const flips = Object.fromEntries(report.flipped.map((f) => [f.decision_id, `${f.before}->${f.after}`]));
    assert.deepEqual(flips, { 'd-write': 'allow->deny', 'd-err': 'error->allow', 'd-batch': 'deny->allow' });
    assert.equal(report.flipped.find((f) => f.decision_id === 'd-write')!.request_path, '/api/v1/orders');
    assert.equal(report.unchanged, 3, 'd-read, d-deny, d-masked');
    assert.equal(report.changed, 2, 'd-abac, d-abac-sat: same verdict at their own timestamps (the logged results had no headers)');
  });

  it('the same bundle flips nothing, even for time-of-day rules replayed at another hour', async () => {
    const { engine } = await localEngine(EXAMPLES_BUNDLE, []);
    const report = emptyReport();
    await replay(readDecisionLog(log, report), engine, report);
    assert.deepEqual(report.flipped.map((f) => f.decision_id), ['d-err']);
  });

  it('portcullis policy replay prints the flips and exits 1 (0 when nothing flips)', () => {
    const run = (bundle: string, ...more: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'policy', 'replay', '--log', log, '--bundle', bundle, ...more], { encoding: 'utf8', cwd: REPO });
    const r = run(newBundle);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /FLIP allow -> deny\s+d-write\s+POST \/api\/v1\/orders/);
    assert.match(r.stdout, /flipped: 3/);
    const j = run(newBundle, '--json', '--entrypoint', 'data.portcullis.rbac.allow');
    const report = JSON.parse(j.stdout);
    assert.equal(report.revision, 'proposed');
    assert.equal(report.skipped.not_a_decision, 1);
    const none = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'policy', 'replay', '--log', join(dir, 'empty.jsonl'), '--bundle', newBundle], { encoding: 'utf8', cwd: REPO, input: '' });
    assert.equal(none.status, 2, 'a missing log is a usage error');
  });
});
