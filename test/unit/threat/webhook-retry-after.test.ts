import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { WebhookSink } from '../../../src/threat/events/sinks/webhook.js';
import { silent } from '../helpers.js';

const ev = (i: number) => ({ decision_id: `d-${i}` }) as unknown as SecurityEvent;

/** A receiver answering the first call with `status` and `retry-after: value`, then 204. */
async function receiver(status: number, value: string): Promise<{ server: Server; url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      if (calls === 1) { res.writeHead(status, { 'retry-after': value }); res.end(); return; }
      res.writeHead(204); res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, calls: () => calls };
}

async function waits(status: number, value: string): Promise<number[]> {
  const rx = await receiver(status, value);
  const slept: number[] = [];
  const s = new WebhookSink('hook-ra', { url: rx.url, headers: {}, format: 'json', batchSize: 10, flushMs: 1000, maxQueue: 10, timeoutMs: 1000, maxRetries: 3, backoffMs: 10 },
    silent, async (ms) => { slept.push(ms); });
  s.offer(ev(1));
  await s.flush();
  assert.equal(rx.calls(), 2, 'delivered on the retry');
  await s.close();
  rx.server.close();
  return slept;
}

describe('webhook sink and Retry-After', () => {
  it('a 429 with Retry-After (seconds) waits that long before the retry, not just the backoff', async () => {
    const slept = await waits(429, '3');
    assert.equal(slept.length, 1);
    assert.ok(slept[0]! >= 3000, `retried after ${slept[0]} ms although the receiver asked for 3 s`);
  });

  it('a 408 with Retry-After is retried after it too (408 is retried like 429)', async () => {
    const slept = await waits(408, '3');
    assert.equal(slept.length, 1);
    assert.ok(slept[0]! >= 3000, `retried after ${slept[0]} ms although the receiver asked for 3 s`);
  });

  it('a 503 with Retry-After as an HTTP date waits until then', async () => {
    const slept = await waits(503, new Date(Date.now() + 5000).toUTCString());
    assert.ok(slept[0]! >= 3000 && slept[0]! <= 5000, `retried after ${slept[0]} ms`);
  });

  it('a Retry-After beyond 60 s is waited for 60 s at most; a nonsense value falls back to the backoff', async () => {
    assert.ok((await waits(429, '86400'))[0]! <= 60_000);
    assert.ok((await waits(429, 'soon'))[0]! <= 10);
  });
});
