import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { clientCtor } from '../../src/server/protos.js';
import { startStack, type Stack } from './harness/stack.js';

const config = (value: string) => `
routes:
  - name: all
    match: { path: { prefix: / } }
    upstream_headers: { x-portcullis-config: "${value}", x-user-id: "gateway" }
`;

function healthCheck(address: string, service: string): Promise<string> {
  const Health = clientCtor('grpc.health.v1.Health') as any;
  const c = new Health(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    c.Check({ service }, { deadline: Date.now() + 2000 }, (err: Error | null, r: any) => { c.close(); if (err) reject(err); else resolve(r.status); });
  });
}

describe('headers Portcullis owns cannot be spoofed', () => {
  let stack: Stack;
  before(async () => { stack = await startStack({ config: config('v1') }); });
  after(async () => { await stack?.stop(); });

  it('strips x-portcullis-* and overwrites configured headers', async () => {
    const r = await stack.request({
      path: '/anything',
      headers: { 'x-portcullis-config': 'spoofed', 'x-portcullis-admin': 'true', 'x-user-id': 'root', 'x-portcullis-decision-id': 'fake' },
    });
    assert.equal(r.status, 200, r.body);
    const h = r.json().headers;
    assert.equal(h['x-portcullis-config'], 'v1');
    assert.equal(h['x-user-id'], 'gateway');
    assert.equal(h['x-portcullis-admin'], undefined);
    assert.notEqual(h['x-portcullis-decision-id'], 'fake');
  });

  it('TLS listener: the same decision over HTTPS', async () => {
    const r = await stack.request({ path: '/tls', via: 'tls', headers: { 'x-portcullis-admin': 'true' } });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json().headers['x-portcullis-admin'], undefined);
    assert.equal(r.json().headers['x-forwarded-proto'], 'https');
  });

  it('a 64 KiB header is refused before it reaches the upstream', async () => {
    const before = stack.upstream.seen.length;
    const r = await stack.request({ path: '/big', headers: { 'x-big': 'a'.repeat(64 * 1024) } }).catch((e) => ({ status: -1, body: String(e) }));
    assert.ok(r.status === 431 || r.status === 400 || r.status === 403 || r.status === -1, `status ${r.status}`);
    assert.equal(stack.upstream.seen.length, before);
  });
});

describe('reload and lifecycle', () => {
  let stack: Stack;
  before(async () => { stack = await startStack({ config: config('v1') }); });
  after(async () => { await stack?.stop(); });

  it('a config reload under traffic loses no request', async () => {
    const p = stack.portcullis[0]!;
    let stop = false;
    const statuses = new Map<number, number>();
    const versions = new Set<string>();
    const worker = async () => {
      while (!stop) {
        const r = await stack.request({ path: '/load' });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200) versions.add(r.json().headers['x-portcullis-config']);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 300));
    p.writeConfig(config('v2'));
    // wait until the new config is live, keep traffic going a little longer
    const deadline = Date.now() + 10000;
    while (!versions.has('v2') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(workers);
    assert.deepEqual([...statuses.keys()], [200], JSON.stringify(Object.fromEntries(statuses)));
    assert.ok((statuses.get(200) ?? 0) > 50, `only ${statuses.get(200)} requests`);
    assert.ok(versions.has('v1') && versions.has('v2'), [...versions].join(','));
  });

  it('an invalid config on reload keeps the last good one and is counted', async () => {
    const p = stack.portcullis[0]!;
    p.writeConfig('routes:\n  - name: broken\n    match: { path: { prefix: / } }\n    colour: blue\n');
    const deadline = Date.now() + 10000;
    let metrics = '';
    while (Date.now() < deadline) {
      metrics = await (await fetch(`${p.adminUrl}/metrics`)).text();
      if (/portcullis_config_reloads_total\{result="invalid"\} [1-9]/.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(metrics, /portcullis_config_reloads_total\{result="invalid"\} [1-9]/);
    assert.match(p.logs(), /unknown key \\"colour\\"|unknown key "colour"/);
    const r = await stack.request({ path: '/after-bad-reload' });
    assert.equal(r.status, 200);
    assert.equal(r.json().headers['x-portcullis-config'], 'v2');
  });

  it('grpc health reports SERVING, then NOT_SERVING while draining; Envoy then fails closed', async () => {
    const p = stack.portcullis[0]!;
    assert.equal(await healthCheck(p.grpcAddress, ''), 'SERVING');
    assert.equal(await healthCheck(p.grpcAddress, 'envoy.service.auth.v3.Authorization'), 'SERVING');
    const code = await p.stop('SIGTERM');
    assert.equal(code, 0, 'drains and exits 0 on SIGTERM');
    const r = await stack.request({ path: '/after-stop' });
    assert.equal(r.status, 403, 'Portcullis gone: Envoy denies (fail closed)');
    assert.ok(!stack.upstream.seen.some((s) => s.path === '/after-stop'));
    p.writeConfig(config('v3'));
    await p.start();
    await stack.waitHealthy();
    assert.equal((await stack.request({ path: '/after-restart' })).status, 200);
  });
});
