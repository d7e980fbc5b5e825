import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from './harness/portcullis.js';
import { startStack, type Stack } from './harness/stack.js';
import { awayFromBoundary } from './ratelimit-helpers.js';

/** The demo config (envoy/portcullis.yaml + envoy/ratelimit/) behaves as the README's ratelimit section says. */
describe('demo rate limits through a real Envoy', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      config: (v) => {
        cpSync(join(REPO, 'envoy', 'ratelimit'), join(v.dir, 'ratelimit'), { recursive: true });
        return readFileSync(join(REPO, 'envoy', 'portcullis.yaml'), 'utf8');
      },
      envoy: { vars: { RATELIMIT_TIMEOUT: '5s', EXT_AUTHZ_TIMEOUT: '5s' } },
    });
  });
  after(async () => { await stack?.stop(); });

  it('payments: 10 per minute per client, then 429 with Retry-After and RateLimit headers (Check limit phase)', async () => {
    await awayFromBoundary(60_000, 15_000); // fixed minute windows: the burst must fit in one
    const codes = [];
    for (let i = 0; i < 12; i++) codes.push((await stack.request({ path: '/api/v1/payments/1' })).status);
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    const r = await stack.request({ path: '/api/v1/payments/1' });
    assert.equal(r.status, 429);
    assert.equal(r.json().error, 'ERR_RATE_LIMITED');
    assert.match(r.headers['retry-after']!, /^\d+$/);
    assert.equal(r.headers['ratelimit-policy'], '"payments/payments-per-client";q=10;w=60');
  });

  it('orders: 30 per minute per client and path value from envoy/ratelimit/portcullis.yaml (ratelimit filter)', async () => {
    await awayFromBoundary(60_000, 15_000);
    const codes = [];
    for (let i = 0; i < 31; i++) codes.push((await stack.request({ path: '/api/v1/orders/7' })).status);
    assert.equal(codes.filter((c) => c === 200).length, 30);
    assert.equal(codes[30], 429);
    assert.equal((await stack.request({ path: '/api/v1/orders/8' })).status, 200, 'another path value has its own counter');
  });

  it('the admin port lists the demo domain and the top offenders', async () => {
    const cfg = await (await fetch(`${stack.portcullis[0]!.adminUrl}/admin/ratelimit`)).json() as any;
    assert.deepEqual(cfg.domains.map((d: any) => d.domain), ['portcullis']);
    assert.equal(cfg.last_error, null);
    const off = await (await fetch(`${stack.portcullis[0]!.adminUrl}/admin/ratelimit/offenders`)).json() as any;
    const descriptors = off.offenders.map((e: any) => `${e.domain} ${e.descriptor}`);
    assert.ok(descriptors.includes('check payments/payments-per-client'), descriptors.join(', '));
    assert.ok(descriptors.includes('portcullis remote_address.path_/api/v1/orders*'), descriptors.join(', '));
  });
});
