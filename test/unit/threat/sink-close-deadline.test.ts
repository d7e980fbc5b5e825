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

const opts = (url: string) => ({ url, headers: {}, format: 'json' as const, batchSize: 1, flushMs: 1000, maxQueue: 100, timeoutMs: 60_000, maxRetries: 3, backoffMs: 20 });

describe('sink close with a deadline (SIGTERM: the sinks get drain_timeout_ms)', () => {
  it('a receiver that takes the request and never answers (timeout_ms 60000) does not hold close() past its deadline; every event is counted', { timeout: 30_000 }, async (t) => {
    const held: ServerResponse[] = [];
    let calls = 0;
    const server = createServer((req: IncomingMessage, res) => { calls++; req.resume(); held.push(res); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.closeAllConnections(); server.close(); });
    const s = new WebhookSink('hook-deadline-stuck', opts(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`), silent);
    for (let i = 0; i < 5; i++) s.offer(ev(i));
    // before: close() waited the whole 60 s timeout_ms of the first request (the test's 30 s timeout failed it)
    await s.close(Date.now() + 300);
    assert.equal(calls, 1);
    const failed = await metric('portcullis_security_event_sink_dropped_total', { sink: 'hook-deadline-stuck', reason: 'failed' });
    const closed = await metric('portcullis_security_event_sink_dropped_total', { sink: 'hook-deadline-stuck', reason: 'closed' });
    assert.equal(failed + closed, 5, 'every event is counted');
  });

  it('a receiver that answers, slowly, gets what it can until the deadline; the rest is counted closed', { timeout: 30_000 }, async (t) => {
    let got = 0;
    // 100 ms per answer: the 50 batches need at least 5 s
    const server = createServer((req, res) => { req.resume(); req.on('end', () => setTimeout(() => { got++; res.writeHead(204); res.end(); }, 100)); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.closeAllConnections(); server.close(); });
    const s = new WebhookSink('hook-deadline-slow', opts(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`), silent);
    for (let i = 0; i < 50; i++) s.offer(ev(i));
    await s.close(Date.now() + 300);
    const delivered = await metric('portcullis_security_event_sink_delivered_total', { sink: 'hook-deadline-slow' });
    const dropped = await metric('portcullis_security_event_sink_dropped_total', { sink: 'hook-deadline-slow', reason: 'closed' })
      + await metric('portcullis_security_event_sink_dropped_total', { sink: 'hook-deadline-slow', reason: 'failed' });
    assert.ok(delivered < 50, 'close() stopped at the deadline');
    assert.equal(delivered + dropped, 50, 'every event is counted');
    s.offer(ev(99));
  });

  it('without a deadline close() still delivers everything it can (a reload\'s replaced sinks)', async (t) => {
    let got = 0;
    const server = createServer((req, res) => { req.resume(); req.on('end', () => { got++; res.writeHead(204); res.end(); }); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.closeAllConnections(); server.close(); });
    const s = new WebhookSink('hook-deadline-none', opts(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`), silent);
    for (let i = 0; i < 5; i++) s.offer(ev(i));
    await s.close();
    assert.equal(got, 5);
  });
});
