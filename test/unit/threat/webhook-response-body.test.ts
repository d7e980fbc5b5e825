import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { WebhookSink } from '../../../src/threat/events/sinks/webhook.js';
import { silent } from '../helpers.js';

const ev = (i: number) => ({ decision_id: `d-${i}` }) as unknown as SecurityEvent;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/** Writes `total` bytes to `res`, waiting for drain; resolves true when all were written, false when the client left. */
function stream(res: ServerResponse, total: number): Promise<boolean> {
  return new Promise((resolve) => {
    let sent = 0;
    let gone = false;
    res.on('close', () => { gone = true; resolve(sent >= total && res.writableFinished); });
    const pump = () => {
      while (!gone && sent < total) {
        sent += CHUNK.length;
        if (!res.write(CHUNK)) { res.once('drain', pump); return; }
      }
      if (!gone && sent >= total) res.end(() => resolve(true));
    };
    pump();
  });
}

describe('webhook sink: the receiver\'s response body', () => {
  it('a huge response body is not read to its end (at most a small bounded amount, then the response is cancelled)', { timeout: 60_000 }, async (t) => {
    const TOTAL = 256 * 1024 * 1024;
    let finished: Promise<boolean> | undefined;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(TOTAL) }); finished = stream(res, TOTAL); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.closeAllConnections(); server.close(); });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const s = new WebhookSink('hook-big-body', { url, headers: {}, format: 'json', batchSize: 10, flushMs: 1000, maxQueue: 10, timeoutMs: 60_000, maxRetries: 0, backoffMs: 10 }, silent);
    s.offer(ev(1));
    await s.flush();
    assert.equal(await finished, false, 'the whole 256 MB body was read (and held in memory)');
    await s.close();
  });

  it('small response bodies are read, so the connection is kept for the next batch', async (t) => {
    const conns = new Set<Socket>();
    let calls = 0;
    const server = createServer((req, res) => {
      conns.add(req.socket);
      req.resume();
      req.on('end', () => { calls++; res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true,"accepted":1}'); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.closeAllConnections(); server.close(); });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const s = new WebhookSink('hook-keepalive', { url, headers: {}, format: 'json', batchSize: 1, flushMs: 1000, maxQueue: 10, timeoutMs: 5000, maxRetries: 0, backoffMs: 10 }, silent);
    // (a turn of the event loop between batches: undici puts the connection back in its pool just after the body ends)
    for (let i = 0; i < 3; i++) { s.offer(ev(i)); await s.flush(); await new Promise((r) => setImmediate(r)); }
    await s.close();
    assert.equal(calls, 3);
    assert.equal(conns.size, 1, 'one connection for three batches');
  });
});
