import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { WebhookSink } from '../../../src/threat/events/sinks/webhook.js';
import { silent } from '../helpers.js';

const ev = (i: number) => ({ decision_id: `d-${i}` }) as unknown as SecurityEvent;

/** Calls a receiver answering `first` once, then 204, needs to deliver one batch. */
async function callsFor(first: number): Promise<number> {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => { calls++; res.writeHead(calls === 1 ? first : 204); res.end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const s = new WebhookSink(`hook-status-${first}`, { url, headers: {}, format: 'json', batchSize: 10, flushMs: 1000, maxQueue: 10, timeoutMs: 1000, maxRetries: 3, backoffMs: 10 }, silent, async () => undefined);
  s.offer(ev(1));
  await s.flush();
  await s.close();
  server.closeAllConnections(); server.close();
  return calls;
}

describe('webhook sink: which answers are retried', () => {
  it('408 Request Timeout is retried (RFC 9110 §15.5.9: the client may repeat the request)', async () => {
    assert.equal(await callsFor(408), 2);
  });

  it('429 and 5xx are retried; 400, 401, 403, 404, 413 are not', async () => {
    for (const st of [429, 500, 502, 503, 504]) assert.equal(await callsFor(st), 2, String(st));
    for (const st of [400, 401, 403, 404, 413]) assert.equal(await callsFor(st), 1, String(st));
  });
});
