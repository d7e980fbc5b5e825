import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { MAX_BACKOFF_MS, WebhookSink } from '../../../src/threat/events/sinks/webhook.js';
import { silent } from '../helpers.js';

const ev = (i: number) => ({ decision_id: `d-${i}` }) as unknown as SecurityEvent;

describe('webhook sink: the doubled backoff is capped', () => {
  it('backoff_ms 60000 with max_retries 10 never waits more than MAX_BACKOFF_MS between tries (was 60 s × 2^9 ≈ 8.5 h)', async () => {
    let calls = 0;
    const server = createServer((req, res) => { req.resume(); req.on('end', () => { calls++; res.writeHead(500); res.end(); }); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const slept: number[] = [];
    const s = new WebhookSink('hook-cap', { url, headers: {}, format: 'json', batchSize: 10, flushMs: 1000, maxQueue: 10, timeoutMs: 1000, maxRetries: 10, backoffMs: 60_000 },
      silent, async (ms) => { slept.push(ms); });
    s.offer(ev(1));
    await s.flush();
    await s.close();
    server.closeAllConnections(); server.close();
    assert.equal(calls, 11, 'every retry was made');
    assert.equal(slept.length, 10);
    assert.equal(MAX_BACKOFF_MS, 60_000);
    for (const ms of slept) assert.ok(ms <= MAX_BACKOFF_MS, `waited ${ms} ms before a retry`);
    // still exponential below the cap, with jitter in [base/2, base]
    assert.ok(slept[0]! >= 30_000);
  });

  it('a small backoff_ms still doubles (200 → 400 → 800 …, jittered down to half)', async () => {
    const server = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(503); res.end(); }); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const slept: number[] = [];
    const s = new WebhookSink('hook-cap-small', { url, headers: {}, format: 'json', batchSize: 10, flushMs: 1000, maxQueue: 10, timeoutMs: 1000, maxRetries: 4, backoffMs: 200 },
      silent, async (ms) => { slept.push(ms); });
    s.offer(ev(1));
    await s.flush();
    await s.close();
    server.closeAllConnections(); server.close();
    slept.forEach((ms, i) => { const base = 200 * 2 ** i; assert.ok(ms >= base / 2 && ms <= base, `retry ${i + 1}: ${ms} ms`); });
  });
});
