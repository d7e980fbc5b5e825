// The Kubernetes layout the README recommends, with real processes on loopback: Prometheus scrapes the
// metrics listener (server.metrics.address), which serves /metrics, /healthz and /readyz and nothing else;
// the admin port needs the Bearer token of server.admin.token_file for everything else, and the CLI sends it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { mintKey, recordLine } from '../../src/identity/api-key-format.js';
import { REPO } from './harness/portcullis.js';
import { freePort } from './harness/ports.js';
import { spawnManaged, waitFor, type Managed } from './harness/proc.js';
import { startStack, type Stack } from './harness/stack.js';

const TOKEN = 'adm-it-4f9c2e71b0d8a6-secret';

function cli(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): { status: number | null; out: string } {
  const env = { ...process.env, ...opts.env };
  if (!opts.env?.PORTCULLIS_ADMIN_TOKEN_FILE) delete env.PORTCULLIS_ADMIN_TOKEN_FILE;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: REPO, input: opts.input, env, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

describe('metrics listener + admin token (Envoy, Portcullis, Prometheus, CLI)', () => {
  let stack: Stack;
  let metricsUrl = '';
  let adminUrl = '';
  let tokenFile = '';
  let prom: Managed | undefined;
  const apiKey = mintKey();

  before(async () => {
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}`;
    stack = await startStack({
      config: ({ dir }) => {
        tokenFile = join(dir, 'admin-token');
        writeFileSync(tokenFile, `${TOKEN}\n`);
        writeFileSync(join(dir, 'apikeys.jsonl'), `${recordLine(apiKey, { owner: 'acme' })}\n`);
        return `
server:
  admin: { token_file: admin-token }             # address: the harness's PORTCULLIS_ADMIN_ADDRESS (loopback)
  metrics: { address: "127.0.0.1:${metricsPort}" }
identity:
  api_keys: { file: apikeys.jsonl }
routes:
  - name: api
    match: { path: { prefix: / } }
    identity: { accept: [api_key] }
`;
      },
    });
    adminUrl = stack.portcullis[0]!.adminUrl;
  });

  after(async () => {
    await prom?.stop();
    await stack?.stop();
  });

  it('the metrics listener serves /metrics, /healthz, /readyz of the live process', async () => {
    const allowed = await stack.request({ path: '/x', headers: { 'x-api-key': apiKey } });
    assert.equal(allowed.status, 200, allowed.body);
    const m = await get(`${metricsUrl}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.text, /^portcullis_checks_total\{decision="allow",code="OK",route="api"\} [1-9]/m);
    assert.equal((await get(`${metricsUrl}/healthz`)).status, 200);
    const ready = await get(`${metricsUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(JSON.parse(ready.text).ready, true);
  });

  it('the metrics listener refuses /reload and /admin/*', async () => {
    const reload = await get(`${metricsUrl}/reload`, { method: 'POST' });
    assert.equal(reload.status, 405);
    assert.equal(reload.headers.get('allow'), 'GET, HEAD');
    const unrevoke = await get(`${metricsUrl}/admin/revoke`, { method: 'DELETE', body: JSON.stringify({ api_key: apiKey }) });
    assert.equal(unrevoke.status, 405);
    const unban = await get(`${metricsUrl}/admin/threat/bans?ip=127.0.0.1`, { method: 'DELETE' });
    assert.equal(unban.status, 405);
    for (const p of ['/admin/revocations', '/admin/policy', '/admin/threat/status', '/reload']) {
      assert.equal((await get(metricsUrl + p)).status, 404, p);
    }
    // the token does not open it either: nothing but the probes lives there
    assert.equal((await get(`${metricsUrl}/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status, 405);
  });

  it('a real Prometheus scrapes the metrics listener', async () => {
    const promPort = await freePort();
    const promDir = join(stack.dir, 'prometheus');
    mkdirSync(promDir);
    writeFileSync(join(promDir, 'prometheus.yml'), stringify({
      global: { scrape_interval: '1s' },
      scrape_configs: [{ job_name: 'portcullis', static_configs: [{ targets: [new URL(metricsUrl).host] }] }],
    }));
    prom = spawnManaged('prometheus', 'prometheus', [
      `--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn',
    ], { dir: promDir });
    const scalar = async (q: string) => {
      const r = await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(5000) })).json() as any;
      return Number(r.data?.result?.[0]?.value?.[1] ?? NaN);
    };
    await waitFor('prometheus scraped the metrics listener', async () => (await scalar('sum(portcullis_checks_total{route="api"})')) >= 1, 20000, 200, prom);
    assert.equal(await scalar('up{job="portcullis"}'), 1);
    await prom.stop();
    prom = undefined;
  });

  it('the admin port refuses POST /reload without the token (401) and accepts it with the token', async () => {
    const before = await get(`${adminUrl}/metrics`);
    assert.equal(before.status, 200, 'the probes need no token on the admin port either');
    const reloads = (t: string) => Number(/^portcullis_config_reloads_total\{result="success"\} (\d+)/m.exec(t)?.[1]);

    const none = await get(`${adminUrl}/reload`, { method: 'POST' });
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="portcullis-admin"');
    const wrong = await get(`${adminUrl}/reload`, { method: 'POST', headers: { authorization: 'Bearer guess' } });
    assert.equal(wrong.status, 401);
    assert.equal((await get(`${adminUrl}/admin/revocations`)).status, 401);
    assert.equal(reloads((await get(`${adminUrl}/metrics`)).text), reloads(before.text), 'no reload happened');

    const ok = await get(`${adminUrl}/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(JSON.parse(ok.text), { ok: true });
    assert.equal(reloads((await get(`${adminUrl}/metrics`)).text), reloads(before.text) + 1);
  });

  it('the CLI revokes and lifts with the token file (--admin-token-file, PORTCULLIS_ADMIN_TOKEN_FILE); without it, 401 and a hint', async () => {
    const h = { 'x-api-key': apiKey };
    const refused = cli(['revoke', 'api-key', '-', '--admin', adminUrl], { input: apiKey });
    assert.equal(refused.status, 1, refused.out);
    assert.match(refused.out, /--admin-token-file FILE or set PORTCULLIS_ADMIN_TOKEN_FILE/);
    assert.equal((await stack.request({ path: '/x', headers: h })).status, 200, 'nothing was revoked');

    const revoked = cli(['revoke', 'api-key', '-', '--admin', adminUrl, '--admin-token-file', tokenFile], { input: apiKey });
    assert.equal(revoked.status, 0, revoked.out);
    const denied = await stack.request({ path: '/x', headers: h });
    assert.equal(denied.status, 401, denied.body);
    assert.equal(denied.json().error, 'ERR_API_KEY_REVOKED');

    const env = { PORTCULLIS_ADMIN_URL: adminUrl, PORTCULLIS_ADMIN_TOKEN_FILE: tokenFile };
    const list = cli(['revocations'], { env });
    assert.equal(list.status, 0, list.out);
    assert.equal(JSON.parse(list.out).revocations.length, 1, list.out);
    const lifted = cli(['revoke', 'api-key', '-', '--undo'], { input: apiKey, env });
    assert.equal(lifted.status, 0, lifted.out);
    assert.equal((await stack.request({ path: '/x', headers: h })).status, 200);

    for (const o of [refused.out, revoked.out, list.out, lifted.out]) assert.ok(!o.includes(TOKEN) && !o.includes(apiKey));
  });

  it('the token is never in Portcullis\'s log, and refusals are', () => {
    const logs = stack.portcullis[0]!.logs();
    assert.match(logs, /admin request refused: no valid Bearer token/);
    assert.ok(!logs.includes(TOKEN));
    assert.doesNotMatch(logs, /reachable from other hosts/, 'loopback admin: no exposure warning');
  });
});
