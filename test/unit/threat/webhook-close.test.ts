import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { WebhookSink } from '../../../src/threat/events/sinks/webhook.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { silent } from '../helpers.js';

const ev = (i: number) => ({ decision_id: `d-${i}` }) as unknown as SecurityEvent;

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val));
  return Number(v?.value ?? 0);
}

describe('webhook sink shutdown', () => {
  it('closing against a receiver that never answers makes no more retries: what is left is counted as closed', { timeout: 30_000 }, async (t) => {
    const held: ServerResponse[] = [];
    let calls = 0;
    const server = createServer((req: IncomingMessage, res) => { calls++; req.resume(); held.push(res); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.closeAllConnections(); server.close(); });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const s = new WebhookSink('hook-close', { url, headers: {}, format: 'json', batchSize: 1, flushMs: 1000, maxQueue: 100, timeoutMs: 150, maxRetries: 3, backoffMs: 20 }, silent);
    for (let i = 0; i < 5; i++) s.offer(ev(i));
    await s.close();
    // before: every one of the 5 batches was tried 1 + 3 times (20 requests, each waiting timeout_ms)
    assert.ok(calls <= 2, `${calls} requests made while shutting down`);
    const failed = await metric('portcullis_security_event_sink_dropped_total', { sink: 'hook-close', reason: 'failed' });
    const closed = await metric('portcullis_security_event_sink_dropped_total', { sink: 'hook-close', reason: 'closed' });
    assert.equal(failed + closed, 5, 'every event is counted');
    assert.ok(closed >= 4);
  });

  it('closing delivers what is queued when the receiver answers', async (t) => {
    const got: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => { for (const e of JSON.parse(Buffer.concat(chunks).toString()) as Array<{ decision_id: string }>) got.push(e.decision_id); res.writeHead(204); res.end(); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.closeAllConnections(); server.close(); });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const s = new WebhookSink('hook-close-ok', { url, headers: {}, format: 'json', batchSize: 2, flushMs: 1000, maxQueue: 100, timeoutMs: 2000, maxRetries: 3, backoffMs: 20 }, silent);
    for (let i = 0; i < 5; i++) s.offer(ev(i));
    await s.close();
    assert.deepEqual(got, ['d-0', 'd-1', 'd-2', 'd-3', 'd-4']);
  });
});
