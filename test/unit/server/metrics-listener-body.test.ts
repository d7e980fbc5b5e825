import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { serviceWith } from './service-fixture.js';

/**
 * Sends `head` and then body chunks until the server ends the connection (or `maxChunks` were sent).
 * Resolves with the response head, whether the server ended the connection, and how many chunks went out.
 */
function stream(port: number, head: string, maxChunks: number): Promise<{ response: string; ended: boolean; chunks: number }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let response = '';
    let ended = false;
    let chunks = 0;
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const finish = () => { s.destroy(); resolve({ response, ended, chunks }); };
    s.on('data', (d) => { response += d.toString('latin1'); });
    s.on('end', () => { ended = true; finish(); });
    s.on('error', () => { ended = true; finish(); });
    const pump = () => {
      while (!s.destroyed && chunks < maxChunks) {
        chunks++;
        if (!s.write(chunk)) { s.once('drain', pump); return; }
      }
      if (chunks >= maxChunks) setImmediate(() => { if (!ended) finish(); });
    };
    s.write(head, pump);
  });
}

/**
 * The metrics listener is the one on the pod IP and takes no token: a GET carrying a body (Prometheus and the
 * kubelet never send one) is answered and the connection closed, so the body is not read on and on.
 */
describe('metrics listener and request bodies', { timeout: 30_000 }, () => {
  it('a GET with an endless body: answered with Connection: close, and the connection ends', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }\n  metrics: { address: "127.0.0.1:0" }');
    try {
      const port = f.svc.metrics!.port;
      // 64 MiB announced; 4096 chunks of 16 KiB is the whole of it: a server still reading at the end read it all
      for (const head of [
        'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4000000\r\n',
      ]) {
        const r = await stream(port, head, 4096);
        assert.match(r.response, /^HTTP\/1\.1 200 /, head);
        assert.match(r.response, /\r\nconnection: close\r\n/i, head);
        assert.ok(r.ended, `the server kept reading the body (${r.chunks} chunks sent): ${JSON.stringify(head)}`);
        assert.ok(r.chunks < 4096, `${r.chunks} chunks`);
      }
    } finally { await f.stop(); }
  });

  it('a GET without a body keeps the connection (Prometheus reuses it)', async () => {
    const f = await serviceWith('  admin: { address: "127.0.0.1:0" }\n  metrics: { address: "127.0.0.1:0" }');
    try {
      const r = await fetch(`http://127.0.0.1:${f.svc.metrics!.port}/healthz`);
      await r.arrayBuffer();
      assert.equal(r.status, 200);
      assert.notEqual(r.headers.get('connection'), 'close');
    } finally { await f.stop(); }
  });
});
