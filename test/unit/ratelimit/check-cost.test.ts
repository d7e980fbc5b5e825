import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/loader.js';
import { check } from '../../../src/pipeline/check.js';
import { buildRuntime, closeRuntime, type Runtime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { createLogger } from '../../../src/telemetry/logger.js';

// hits_addend on a route's Check limits: what one request of that route costs against the counter.

const logger = createLogger('silent');
let dir: string;
let store: MemoryStore;
const runtimes: Runtime[] = [];
let ipSeq = 0;

before(() => { dir = mkdtempSync(join(tmpdir(), 'rl-cost-')); store = new MemoryStore(); });
after(async () => { for (const rt of runtimes) await closeRuntime(rt); await store.close(); rmSync(dir, { recursive: true, force: true }); });

async function runtime(yaml: string): Promise<Runtime> {
  const file = join(dir, 'portcullis.yaml');
  writeFileSync(file, yaml);
  const rt = await buildRuntime(parseConfig(yaml, file), store, logger);
  runtimes.push(rt);
  return rt;
}

function req(path: string, ip: string): any {
  return {
    attributes: {
      source: { address: { socket_address: { address: ip, port_value: 40000 } } },
      request: { http: { id: 'r1', method: 'GET', path, host: 'api.example', scheme: 'https', protocol: 'HTTP/1.1', headers: {} } },
    },
  };
}

/** 200 → the `ratelimit` header's remaining count; 429 → 'refused'. */
async function ask(rt: Runtime, path: string, ip: string): Promise<number | 'refused'> {
  const r = await check(rt, req(path, ip), logger);
  if (r.denied_response) {
    assert.equal(r.denied_response.status.code, 429, r.denied_response.body);
    return 'refused';
  }
  const h = r.ok_response.response_headers_to_add.find((x: any) => x.header.key === 'ratelimit')?.header.value as string;
  return Number(/;r=(\d+);/.exec(h)![1]);
}

const nextIp = () => `198.51.100.${++ipSeq}`;

describe('Check limits: hits_addend per route', () => {
  it('an inline limit: each request costs hits_addend; a request that would pass the limit is refused', async () => {
    const rt = await runtime(`
routes:
  - name: export
    match: { path: { prefix: /export } }
    ratelimit: { limits: [{ name: per-ip, by: ip, requests_per_unit: 10, unit: minute, hits_addend: 4 }] }
`);
    const ip = nextIp();
    assert.equal(await ask(rt, '/export', ip), 6);
    assert.equal(await ask(rt, '/export', ip), 2);
    assert.equal(await ask(rt, '/export', ip), 'refused'); // 8 + 4 > 10
  });

  it('a named limit shared by routes at different costs: one counter, each route pays its own price', async () => {
    const rt = await runtime(`
ratelimit:
  limits:
    per-ip: { by: ip, requests_per_unit: 10, unit: minute, algorithm: sliding_window }
routes:
  - name: export
    match: { path: { prefix: /export } }
    ratelimit: { limits: [{ limit: per-ip, hits_addend: 4 }] }
  - name: read
    match: { path: { prefix: / } }
    ratelimit: { limits: [per-ip] }
`);
    const ip = nextIp();
    assert.equal(await ask(rt, '/export', ip), 6);
    assert.equal(await ask(rt, '/export', ip), 2);
    assert.equal(await ask(rt, '/export', ip), 'refused'); // sliding window: a refused request consumes nothing
    assert.equal(await ask(rt, '/items', ip), 1); // the cheap route still has room
    assert.equal(await ask(rt, '/items', ip), 0);
    assert.equal(await ask(rt, '/items', ip), 'refused');
    // another client has its own counter
    assert.equal(await ask(rt, '/export', nextIp()), 6);
  });

  it('hits_addend 0 checks without consuming: the route sees the shared limit\'s state and never uses it up', async () => {
    const rt = await runtime(`
ratelimit:
  limits:
    per-ip: { by: ip, requests_per_unit: 2, unit: minute }
routes:
  - name: status
    match: { path: { prefix: /status } }
    ratelimit: { limits: [{ limit: per-ip, hits_addend: 0 }] }
  - name: write
    match: { path: { prefix: / } }
    ratelimit: { limits: [per-ip] }
`);
    const ip = nextIp();
    for (let i = 0; i < 5; i++) assert.equal(await ask(rt, '/status', ip), 2);
    assert.equal(await ask(rt, '/w', ip), 1);
    assert.equal(await ask(rt, '/w', ip), 0);
    assert.equal(await ask(rt, '/status', ip), 0); // used up, but not past it: a check that costs nothing passes
    assert.equal(await ask(rt, '/w', ip), 'refused');
    assert.equal(await ask(rt, '/status', ip), 0); // in Check, a refused request consumes nothing
  });

  it('all-or-nothing holds with costs: a request refused by its heavy limit consumes none of the light one', async () => {
    const rt = await runtime(`
ratelimit:
  limits:
    per-ip: { by: ip, requests_per_unit: 100, unit: minute }
routes:
  - name: export
    match: { path: { prefix: /export } }
    ratelimit:
      limits:
        - { limit: per-ip, hits_addend: 1 }
        - { name: heavy, by: ip, requests_per_unit: 5, unit: minute, hits_addend: 5 }
  - name: read
    match: { path: { prefix: / } }
    ratelimit: { limits: [per-ip] }
`);
    const ip = nextIp();
    assert.equal(await ask(rt, '/export', ip), 0); // tightest: heavy, 5 - 5
    for (let i = 0; i < 3; i++) assert.equal(await ask(rt, '/export', ip), 'refused');
    // per-ip paid 1 for the admitted export only (fixed window counts refused hits only on the refusing limit)
    assert.equal(await ask(rt, '/items', ip), 98);
  });

  it('config errors name the route, the index and the key', async () => {
    const base = `
ratelimit:
  limits:
    per-ip: { by: ip, requests_per_unit: 10, unit: minute }
routes:
  - name: r
    ratelimit:
      limits:
`;
    const bad = async (item: string, re: RegExp) => {
      await assert.rejects(runtime(`${base}        - ${item}\n`), (e: unknown) => e instanceof ConfigLoadError && re.test(e.message), item);
    };
    await bad('{ limit: nope, hits_addend: 2 }', /\/routes\/0\/ratelimit\/limits\/0\/limit: unknown limit "nope"/);
    await bad('{ limit: per-ip }', /\/routes\/0\/ratelimit\/limits\/0.*hits_addend/);
    await bad('{ limit: per-ip, hits_addend: -1 }', /\/routes\/0\/ratelimit\/limits\/0\/hits_addend/);
    await bad('{ limit: per-ip, hits_addend: 1.5 }', /\/routes\/0\/ratelimit\/limits\/0\/hits_addend/);
    await bad('{ limit: per-ip, hits_addend: 4294967296 }', /\/routes\/0\/ratelimit\/limits\/0\/hits_addend/);
    await bad('{ limit: per-ip, hits_addend: 2, by: ip }', /\/routes\/0\/ratelimit\/limits\/0\/by: unknown key "by"/);
    // a cost belongs to a route's use of a limit, not to the shared definition
    await assert.rejects(runtime(`
ratelimit:
  limits:
    per-ip: { by: ip, requests_per_unit: 10, unit: minute, hits_addend: 2 }
routes: [ { name: r } ]
`), (e: unknown) => e instanceof ConfigLoadError && /\/ratelimit\/limits\/per-ip\/hits_addend: unknown key "hits_addend"/.test(e.message));
  });
});
