import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { MetricsServer } from '../../../src/server/metrics-server.js';
import { MAX_HTTP_CONNECTIONS } from '../../../src/server/listen-address.js';

const quiet = () => pino({ level: 'silent' }, new Writable({ write(_c, _e, cb) { cb(); } }));

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** A GET on a fresh connection: the status, or 'closed' when the listener dropped the connection. */
async function get(port: number, path: string): Promise<number | 'closed'> {
  const s = await open(port);
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (d) => { text += String(d); });
    s.on('error', () => undefined);
    s.on('close', () => { const m = /^HTTP\/1\.1 (\d{3})/.exec(text); resolve(m ? Number(m[1]) : 'closed'); });
    s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

/**
 * Idle connections a client opens and never uses must not pile up without bound on the metrics (or admin)
 * listener: past the limit new ones are closed on accept, and once the idle ones go, scrapes work again.
 */
describe('HTTP listeners hold a bounded number of connections', () => {
  it(`closes connections past ${MAX_HTTP_CONNECTIONS} and serves again once they are gone`, async () => {
    const m = new MetricsServer(() => ({ ready: true, draining: false, checks: {} }), quiet());
    const port = await m.listen('127.0.0.1:0');
    const idle: Socket[] = [];
    try {
      assert.equal(await get(port, '/healthz'), 200);
      for (let i = 0; i < MAX_HTTP_CONNECTIONS; i++) idle.push(await open(port));
      // the listener has accepted them all before the next one arrives
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await get(port, '/healthz'), 'closed');
      for (const s of idle.splice(0, 10)) s.destroy();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await get(port, '/healthz'), 200);
    } finally {
      for (const s of idle) s.destroy();
      await m.close();
    }
  });
});
