import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/loader.js';
import { check } from '../../../src/pipeline/check.js';
import { buildRuntime, closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { RatelimitInstance } from '../../../src/ratelimit/instance.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';

const logger = createLogger('silent');
let dir: string;
let store: MemoryStore;
const runtimes: Runtime[] = [];

before(() => { dir = mkdtempSync(join(tmpdir(), 'rl-module-')); store = new MemoryStore(); });
after(async () => { for (const rt of runtimes) await closeRuntime(rt); await store.close(); rmSync(dir, { recursive: true, force: true }); });

async function runtime(yaml: string, previous?: Runtime): Promise<Runtime> {
  const file = join(dir, 'portcullis.yaml');
  writeFileSync(file, yaml);
  const rt = await buildRuntime(parseConfig(yaml, file), store, logger, previous);
  runtimes.push(rt);
  return rt;
}

function checkRequest(path: string, ip = '198.51.100.7', headers: Record<string, string> = {}): any {
  return {
    attributes: {
      source: { address: { socket_address: { address: ip, port_value: 40000 } } },
      request: { http: { id: 'r1', method: 'GET', path, host: 'api.example', scheme: 'https', protocol: 'HTTP/1.1', headers } },
    },
  };
}

function header(list: any[], name: string): string | undefined {
  return list.find((h: any) => h.header.key === name)?.header.value;
}

const CONFIG = `
ratelimit:
  limits:
    per-ip: { by: ip, requests_per_unit: 3, unit: minute }
routes:
  - name: users
    match: { path: { prefix: /api/v1/users } }
    ratelimit: { limits: [per-ip] }
  - name: open
    match: { path: { prefix: / } }
`;

describe('ratelimit module through the Check pipeline', () => {
  it('allows with rate-limit headers, then denies with 429, Retry-After and a JSON body', async () => {
    const rt = await runtime(CONFIG);
    for (let i = 0; i < 3; i++) {
      const r = await check(rt, checkRequest('/api/v1/users/1'), logger);
      assert.equal(r.status.code, 0);
      assert.match(header(r.ok_response.response_headers_to_add, 'ratelimit')!, new RegExp(`^"per-ip";r=${2 - i};t=\\d+$`));
      assert.equal(header(r.ok_response.response_headers_to_add, 'ratelimit-policy'), '"per-ip";q=3;w=60');
    }
    const denied = await check(rt, checkRequest('/api/v1/users/1'), logger);
    assert.equal(denied.denied_response.status.code, 429);
    assert.match(header(denied.denied_response.headers, 'retry-after')!, /^\d+$/);
    assert.equal(JSON.parse(denied.denied_response.body).error, 'ERR_RATE_LIMITED');
    // a route without limits is not affected
    assert.equal((await check(rt, checkRequest('/other'), logger)).status.code, 0);
  });

  it('a config reload keeps the in-memory counters', async () => {
    const ip = '198.51.100.99';
    const first = await runtime(CONFIG);
    for (let i = 0; i < 3; i++) await check(first, checkRequest('/api/v1/users', ip), logger);
    const second = await runtime(CONFIG, first);
    const r = await check(second, checkRequest('/api/v1/users', ip), logger);
    assert.equal(r.denied_response?.status.code, 429);
  });

  it('response_headers: x-ratelimit — X-RateLimit-Limit names every limit that applied, as Envoy\'s ratelimit filter does', async () => {
    const rt = await runtime(`
ratelimit:
  response_headers: x-ratelimit
  limits:
    per-ip: { by: ip, requests_per_unit: 10, unit: second }
    per-ip-hourly: { by: ip, requests_per_unit: 3, unit: hour }
routes:
  - name: users
    match: { path: { prefix: / } }
    ratelimit: { limits: [per-ip, per-ip-hourly] }
`);
    const ip = '198.51.100.61';
    const r = await check(rt, checkRequest('/x', ip), logger);
    assert.equal(r.status.code, 0);
    const hs = r.ok_response.response_headers_to_add;
    // the described limit is the one with the fewest left (the hourly one: 2 left, against 9)
    assert.equal(header(hs, 'x-ratelimit-limit'), '3, 10;w=1;name="per-ip", 3;w=3600;name="per-ip-hourly"');
    assert.equal(header(hs, 'x-ratelimit-remaining'), '2');
    await check(rt, checkRequest('/x', ip), logger);
    await check(rt, checkRequest('/x', ip), logger);
    const over = await check(rt, checkRequest('/x', ip), logger);
    assert.equal(over.denied_response.status.code, 429);
    assert.equal(header(over.denied_response.headers, 'x-ratelimit-limit'), '3, 10;w=1;name="per-ip", 3;w=3600;name="per-ip-hourly"');
    assert.equal(header(over.denied_response.headers, 'x-ratelimit-remaining'), '0');
  });

  // the near cache answers a refused key locally until its reset; it must not outlive the limit it was learnt under
  it('a reload that raises a limit admits a client the old limit refused (the near cache does not keep refusing)', async () => {
    const ip = '198.51.100.98';
    const first = await runtime(CONFIG);
    for (let i = 0; i < 3; i++) assert.equal((await check(first, checkRequest('/api/v1/users', ip), logger)).status.code, 0);
    assert.equal((await check(first, checkRequest('/api/v1/users', ip), logger)).denied_response?.status.code, 429);
    assert.equal((await check(first, checkRequest('/api/v1/users', ip), logger)).denied_response?.status.code, 429);
    const raised = await runtime(CONFIG.replace('requests_per_unit: 3', 'requests_per_unit: 10'), first);
    const r = await check(raised, checkRequest('/api/v1/users', ip), logger);
    assert.equal(r.status.code, 0, 'admitted under the raised limit');
    assert.match(header(r.ok_response.response_headers_to_add, 'ratelimit')!, /^"per-ip";r=\d+;t=\d+$/);
    // the same limit again: a refusal is still answered (the counter is kept, so is the near cache)
    const same = await runtime(CONFIG.replace('requests_per_unit: 3', 'requests_per_unit: 10'), raised);
    for (let i = 0; i < 10; i++) await check(same, checkRequest('/api/v1/users', ip), logger);
    assert.equal((await check(same, checkRequest('/api/v1/users', ip), logger)).denied_response?.status.code, 429);
    // and a lowered limit refuses at once
    const lowered = await runtime(CONFIG.replace('requests_per_unit: 3', 'requests_per_unit: 2'), same);
    assert.equal((await check(lowered, checkRequest('/api/v1/users', ip), logger)).denied_response?.status.code, 429);
  });

  it('an unknown limit name is a config error naming the route and index', async () => {
    await assert.rejects(runtime(`
routes:
  - name: r
    ratelimit: { limits: [nope] }
`), (e: unknown) => e instanceof ConfigLoadError && /portcullis\.yaml:4:\d+: \/routes\/0\/ratelimit\/limits\/0: unknown limit "nope"/.test(e.message));
  });

  it('an unknown key in a route limit is a schema error', async () => {
    await assert.rejects(runtime(`
routes:
  - name: r
    ratelimit: { limits: [{ by: ip, requests_per_unit: 1, unit: minute, per: 5 }] }
`), (e: unknown) => e instanceof ConfigLoadError && /\/routes\/0\/ratelimit\/limits\/0\/per: unknown key "per"/.test(e.message));
  });

  it('an invalid envoyproxy/ratelimit file fails the load, naming the YAML file, line and key', async () => {
    const rl = join(dir, 'rl-bad');
    rmSync(rl, { recursive: true, force: true });
    mkdirSync(rl, { recursive: true });
    writeFileSync(join(rl, 'api.yaml'), 'domain: api\ndescriptors:\n  - key: remote_address\n    rate_limit: { unit: fortnight, requests_per_unit: 1 }\n');
    await assert.rejects(runtime('ratelimit: { config_dir: rl-bad }\n'), (e: unknown) =>
      e instanceof ConfigLoadError && e.message.includes('rl-bad/api.yaml:4:') && e.message.includes('descriptors[0].rate_limit.unit: invalid rate limit unit "fortnight"'));
  });
});

describe('ratelimit.merge_domain_config (envoyproxy/ratelimit MERGE_DOMAIN_CONFIG)', () => {
  it('off: two files with one domain fail the load; on: their descriptors are merged', async () => {
    const rl = join(dir, 'rl-merge');
    mkdirSync(rl, { recursive: true });
    writeFileSync(join(rl, 'a.yaml'), 'domain: api\ndescriptors:\n  - key: a\n    rate_limit: { unit: minute, requests_per_unit: 5 }\n');
    writeFileSync(join(rl, 'b.yaml'), 'domain: api\ndescriptors:\n  - key: b\n    rate_limit: { unit: minute, requests_per_unit: 7 }\n');
    await assert.rejects(runtime('ratelimit: { config_dir: rl-merge, watch: false }\n'), (e: unknown) =>
      e instanceof ConfigLoadError && e.message.includes('rl-merge/b.yaml:1:') && e.message.includes('duplicate domain "api"'));
    const rt = await runtime('ratelimit: { config_dir: rl-merge, watch: false, merge_domain_config: true }\n');
    const inst = rt.modules.get('ratelimit') as RatelimitInstance;
    const ask = async (key: string) => (await inst.shouldRateLimit({ domain: 'api', descriptors: [{ entries: [{ key, value: 'v' }] }] })).statuses[0].current_limit?.requests_per_unit;
    assert.equal(await ask('a'), 5);
    assert.equal(await ask('b'), 7);
  });
});

describe('ratelimit config directory reload', () => {
  it('a bad file keeps the last good config; a good one is picked up', async () => {
    const rl = join(dir, 'rl-reload');
    mkdirSync(rl, { recursive: true });
    writeFileSync(join(rl, 'edge.yaml'), 'domain: edge\ndescriptors:\n  - key: k\n    rate_limit: { unit: minute, requests_per_unit: 5 }\n');
    const rt = await runtime('ratelimit: { config_dir: rl-reload, watch: false }\n');
    const inst = rt.modules.get('ratelimit') as RatelimitInstance;
    const ask = async () => (await inst.shouldRateLimit({ domain: 'edge', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }] })).statuses[0].current_limit?.requests_per_unit;
    assert.equal(await ask(), 5);
    writeFileSync(join(rl, 'edge.yaml'), 'domain: edge\ndescriptors:\n  - key: k\n    rate_limit: { unit: minute, requests_per_unit: 50, extra: 1 }\n');
    assert.equal(inst.reloadConfigDir('test'), false);
    assert.equal(await ask(), 5, 'last good config kept');
    assert.match(inst.config.lastError!.join('\n'), /rl-reload\/edge\.yaml:4:\d+: descriptors\[0\]\.rate_limit\.extra: unknown key "extra"/);
    writeFileSync(join(rl, 'edge.yaml'), 'domain: edge\ndescriptors:\n  - key: k\n    rate_limit: { unit: minute, requests_per_unit: 50 }\n');
    assert.equal(inst.reloadConfigDir('test'), true);
    assert.equal(await ask(), 50);
    assert.equal(inst.config.lastError, undefined);
  });

  it('file changes are picked up by the watcher (bounded wait)', async () => {
    const rl = join(dir, 'rl-watch');
    mkdirSync(rl, { recursive: true });
    writeFileSync(join(rl, 'w.yaml'), 'domain: w\ndescriptors:\n  - key: k\n    rate_limit: { unit: minute, requests_per_unit: 1 }\n');
    const rt = await runtime('ratelimit: { config_dir: rl-watch }\n');
    const inst = rt.modules.get('ratelimit') as RatelimitInstance;
    inst.start();
    writeFileSync(join(rl, 'w.yaml'), 'domain: w\ndescriptors:\n  - key: k\n    rate_limit: { unit: minute, requests_per_unit: 7 }\n');
    let seen: number | undefined;
    for (let i = 0; i < 50 && seen !== 7; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await inst.shouldRateLimit({ domain: 'w', descriptors: [{ entries: [{ key: 'k', value: 'x' }] }] })).statuses[0].current_limit?.requests_per_unit;
    }
    assert.equal(seen, 7);
  });
});

describe('admin routes', () => {
  it('GET /admin/ratelimit and /admin/ratelimit/offenders answer JSON with the loaded domains and the top offenders', async () => {
    const rt = await runtime(CONFIG);
    for (let i = 0; i < 6; i++) await check(rt, checkRequest('/api/v1/users', '203.0.113.5'), logger);
    const inst = rt.modules.get('ratelimit') as RatelimitInstance;
    const routes = inst.adminRoutes();
    const call = async (path: string, url = path) => {
      let status = 0; let body = '';
      const res: any = { writeHead: (s: number) => { status = s; }, end: (b: string) => { body = b; } };
      await routes.find((r) => r.path === path)!.handle({ url } as any, res, Buffer.alloc(0));
      return { status, json: JSON.parse(body) };
    };
    const status = await call('/admin/ratelimit');
    assert.equal(status.status, 200);
    assert.deepEqual(status.json.check_limits, ['per-ip']);
    assert.equal(status.json.store, 'memory');
    const off = await call('/admin/ratelimit/offenders', '/admin/ratelimit/offenders?n=5');
    const mine = off.json.offenders.find((e: any) => e.key.includes('203.0.113.5'));
    assert.ok(mine, JSON.stringify(off.json));
    assert.equal(mine.domain, 'check');
    assert.equal(mine.descriptor, 'per-ip');
    assert.equal(mine.over_limit, 3);
    assert.equal('hits' in mine, false, 'a limit without detailed_metric keeps no per-value hits count');
  });
});
