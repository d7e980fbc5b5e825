import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { MetricsServer } from '../../../src/server/metrics-server.js';

const quiet = () => pino({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Milliseconds until the server closes `s`, and what it sent before. */
function closed(s: Socket): Promise<{ ms: number; text: string }> {
  const t0 = Date.now();
  let text = '';
  return new Promise((resolve) => {
    s.on('data', (d) => { text += String(d); });
    s.on('error', () => undefined);
    s.on('close', () => resolve({ ms: Date.now() - t0, text }));
  });
}

/**
 * Connections opened and never finished (a slowloris client) do not live on: the headers must arrive within
 * 10 s, checked every second (Node's own check runs every 30 s, which let such a connection live up to 40 s).
 * The admin listener is built with the same options (HTTP_LISTENER_OPTIONS).
 */
describe('HTTP listeners close connections whose request never completes', () => {
  it('a request whose headers never end is answered 408 and closed within about 11 s, not 40 s', { timeout: 30_000 }, async () => {
    const m = new MetricsServer(() => ({ ready: true, draining: false, checks: {} }), quiet());
    const port = await m.listen('127.0.0.1:0');
    try {
      const s = await open(port);
      const done = closed(s);
      s.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // and nothing more
      // a byte now and then does not keep it open: the deadline is for the whole header block
      const drip = setInterval(() => { if (!s.destroyed) s.write('X-A: b\r\n'); }, 2000);
      const r = await done;
      clearInterval(drip);
      assert.ok(r.ms >= 9_000 && r.ms < 13_000, `closed after ${r.ms} ms`);
      assert.match(r.text, /^HTTP\/1\.1 408/);
      // a normal request is served meanwhile and after
      const ok = await open(port);
      const answer = closed(ok);
      ok.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      assert.match((await answer).text, /^HTTP\/1\.1 200/);
    } finally {
      await m.close();
    }
  });
});
