import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { serviceWith } from './service-fixture.js';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function raw(port: number, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The bytes on the wire after the response head (a HEAD answer must carry none, RFC 9110 §9.3.2). */
function rawBytes(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(head));
    let text = '';
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

const PATHS = ['/metrics', '/healthz', '/readyz'];

/**
 * HEAD is GET without the body (RFC 9110 §9.3.2): load balancers and uptime checkers send it. The probes
 * answer HEAD on both listeners with GET's status and headers, no body, and need no token.
 */
describe('HEAD on the probes', () => {
  it('metrics listener and admin port: HEAD /metrics, /healthz, /readyz answer as GET does, without a body', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }\n  metrics: { address: "127.0.0.1:0" }');
    try {
      for (const port of [f.svc.metrics!.port, f.svc.admin.port]) {
        for (const path of PATHS) {
          const get = await raw(port, 'GET', path);
          const head = await raw(port, 'HEAD', path);
          assert.equal(head.status, get.status, `HEAD ${path} on ${port}`);
          assert.equal(head.status, 200, `HEAD ${path} on ${port}`);
          assert.equal(head.headers['content-type'], get.headers['content-type'], path);
          assert.equal(head.body, '', path);
        }
        // nothing follows the head on the wire (the connection closes when asked to)
        const wire = await rawBytes(port, 'HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        assert.match(wire, /^HTTP\/1\.1 200 /);
        assert.equal(wire.slice(wire.indexOf('\r\n\r\n') + 4), '', 'no body bytes');
      }
    } finally { await f.stop(); }
  });

  it('metrics listener: a HEAD announcing a body is not invited to send it (no 100) and the connection closes', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }\n  metrics: { address: "127.0.0.1:0" }');
    try {
      for (const extra of ['Expect: 100-continue\r\n', '']) {
        const wire = await rawBytes(f.svc.metrics!.port, `HEAD /metrics HTTP/1.1\r\nHost: x\r\n${extra}Content-Length: 67108864\r\n\r\n`);
        assert.match(wire, /^HTTP\/1\.1 200 /, extra);
        assert.doesNotMatch(wire, /100 Continue/i);
        assert.match(wire, /\r\nconnection: close\r\n/i);
      }
    } finally { await f.stop(); }
  });

  it('HEAD /readyz answers 503 while draining, on both listeners', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }\n  metrics: { address: "127.0.0.1:0" }');
    try {
      f.svc.admin.draining = true;
      for (const port of [f.svc.metrics!.port, f.svc.admin.port]) {
        const head = await raw(port, 'HEAD', '/readyz');
        assert.equal(head.status, 503);
        assert.equal(head.body, '');
      }
    } finally { f.svc.admin.draining = false; await f.stop(); }
  });

  it('with server.admin.token_file: HEAD on the probes needs no token; HEAD elsewhere still does', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0", token_file: t }', { files: { t: 'tok-head-7f3e-secret\n' } });
    try {
      for (const path of PATHS) assert.equal((await raw(f.svc.admin.port, 'HEAD', path)).status, 200, path);
      assert.equal((await raw(f.svc.admin.port, 'HEAD', '/admin/revocations')).status, 401);
    } finally { await f.stop(); }
  });

  it('the metrics listener still refuses other methods, naming GET and HEAD in Allow', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }\n  metrics: { address: "127.0.0.1:0" }');
    try {
      const r = await raw(f.svc.metrics!.port, 'OPTIONS', '/metrics');
      assert.equal(r.status, 405);
      assert.equal(r.headers.allow, 'GET, HEAD');
    } finally { await f.stop(); }
  });
});
