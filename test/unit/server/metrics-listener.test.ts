import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { serviceWith } from './service-fixture.js';

/** A raw request (fetch cannot send every method, and hides a connection's fate). */
function raw(port: number, method: string, path: string, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * server.metrics.address: a second listener for Prometheus and the kubelet, serving GET /metrics, /healthz
 * and /readyz as the admin port does, and nothing else.
 */
describe('metrics listener', () => {
  it('serves /metrics, /healthz and /readyz with the admin port\'s answers; refuses everything else', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }\n  metrics: { address: "127.0.0.1:0" }');
    try {
      const m = f.svc.metrics!;
      assert.ok(m && m.port > 0 && m.port !== f.svc.admin.port);
      const metrics = await raw(m.port, 'GET', '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.match(metrics.body, /^portcullis_config_reloads_total\{result="success"\} 1$/m);
      const admin = await raw(f.svc.admin.port, 'GET', '/metrics');
      assert.equal(admin.headers['content-type'], metrics.headers['content-type']);
      assert.deepEqual(JSON.parse((await raw(m.port, 'GET', '/healthz')).body), { status: 'ok' });
      const ready = await raw(m.port, 'GET', '/readyz?verbose');
      assert.equal(ready.status, 200);
      assert.deepEqual(JSON.parse(ready.body), JSON.parse((await raw(f.svc.admin.port, 'GET', '/readyz')).body));

      const reloads = f.svc.holder.current;
      for (const [method, path] of [['POST', '/reload'], ['POST', '/admin/revoke'], ['DELETE', '/admin/revoke'], ['DELETE', '/admin/threat/bans?ip=127.0.0.1'], ['PUT', '/metrics'], ['OPTIONS', '/metrics']] as const) {
        const r = await raw(m.port, method, path, method === 'OPTIONS' ? undefined : '{"jti":"x"}');
        assert.equal(r.status, 405, `${method} ${path}`);
        assert.equal(r.headers.allow, 'GET, HEAD');
      }
      for (const path of ['/reload', '/admin/revocations', '/admin/policy', '/admin/ratelimit/offenders', '/', '/metrics/', '/readyz/../admin/revocations']) {
        const r = await raw(m.port, 'GET', path);
        assert.equal(r.status, 404, path);
        assert.deepEqual(JSON.parse(r.body), { error: 'not found' });
      }
      assert.equal(f.svc.holder.current, reloads, 'nothing was reloaded');
    } finally { await f.stop(); }
  });

  it('/readyz answers 503 there while draining, as on the admin port', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }\n  metrics: { address: "127.0.0.1:0" }');
    try {
      f.svc.admin.draining = true;
      const r = await raw(f.svc.metrics!.port, 'GET', '/readyz');
      assert.equal(r.status, 503);
      assert.equal(JSON.parse(r.body).draining, true);
    } finally { f.svc.admin.draining = false; await f.stop(); }
  });

  it('needs no token when the admin port has one', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0", token_file: t }\n  metrics: { address: "127.0.0.1:0" }', { files: { t: 'tok-abc123-secret\n' } });
    try {
      assert.equal((await raw(f.svc.metrics!.port, 'GET', '/metrics')).status, 200);
      assert.equal((await raw(f.svc.metrics!.port, 'POST', '/reload')).status, 405);
    } finally { await f.stop(); }
  });

  it('PORTCULLIS_METRICS_ADDRESS overrides the config; no address: no listener', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }\n  metrics: { address: "127.0.0.1:1" }', { env: { PORTCULLIS_METRICS_ADDRESS: '127.0.0.1:0' } });
    try {
      assert.ok(f.svc.metrics!.port > 1);
      assert.equal((await raw(f.svc.metrics!.port, 'GET', '/healthz')).status, 200);
    } finally { await f.stop(); }
    const none = await serviceWith('  admin: { address: "127.0.0.1:0" }');
    try { assert.equal(none.svc.metrics, undefined); } finally { await none.stop(); }
  });

  it('a PORTCULLIS_METRICS_ADDRESS that is not host:port stops the start with an error naming it', async () => {
    await assert.rejects(serviceWith('  admin: { address: "127.0.0.1:0" }', { env: { PORTCULLIS_METRICS_ADDRESS: '9090' } }), /PORTCULLIS_METRICS_ADDRESS: must be host:port/);
  });
});
