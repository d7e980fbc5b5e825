import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { EventDispatcher } from '../../../src/threat/events/dispatcher.js';
import { FileSink } from '../../../src/threat/events/sinks/file.js';
import { formatRfc5424, SyslogSink } from '../../../src/threat/events/sinks/syslog.js';
import { WebhookSink } from '../../../src/threat/events/sinks/webhook.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { silent } from '../helpers.js';

const ev = (i: number, over: Partial<SecurityEvent> = {}): SecurityEvent => ({
  time: '2024-05-01T12:00:00.000Z', client_ip: '203.0.113.7', route: 'api', family: 'sqli', where: 'query.q', score: 0.95,
  action: 'block', mode: 'enforce', code: 'ERR_THREAT', decision_id: `d-${i}`, request_id: `r-${i}`, method: 'GET', path: '/search',
  findings: [{ family: 'sqli', where: 'query.q', confidence: 0.95, detail: 'sq:logic s&1o1c' }], ...over,
});

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val));
  return Number(v?.value ?? 0);
}

describe('security event sinks', () => {
  it('file sink appends one JSON object per line', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ev-')), 'events.jsonl');
    const s = new FileSink('file-t', file, silent, { maxQueue: 100, flushMs: 10 });
    const d = new EventDispatcher([s], silent);
    d.emit(ev(1)); d.emit(ev(2));
    await s.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.decision_id), ['d-1', 'd-2']);
    assert.ok(await metric('portcullis_security_events_total', { family: 'sqli', action: 'block' }) >= 2);
  });

  it('webhook sink batches, retries 5xx with backoff, and delivers within the flush interval', async () => {
    const bodies: unknown[][] = [];
    let calls = 0;
    const server = createServer((req, res) => {
      calls++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (calls === 1) { res.writeHead(503); res.end(); return; }
        bodies.push(JSON.parse(Buffer.concat(chunks).toString()));
        assert.equal(req.headers.authorization, 'Bearer hook-secret');
        res.writeHead(204); res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const s = new WebhookSink('hook-t', { url, headers: { authorization: 'Bearer hook-secret' }, format: 'json', batchSize: 10, flushMs: 20, maxQueue: 100, timeoutMs: 1000, maxRetries: 3, backoffMs: 10 }, silent);
    for (let i = 0; i < 3; i++) s.offer(ev(i));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bodies.length, 1, 'one batch after one retry');
    assert.deepEqual(bodies[0]!.map((e: any) => e.decision_id), ['d-0', 'd-1', 'd-2']);
    assert.equal(await metric('portcullis_security_event_sink_retries_total', { sink: 'hook-t' }), 1);
    assert.equal(await metric('portcullis_security_event_sink_delivered_total', { sink: 'hook-t' }), 3);
    await s.close();
    server.close();
  });

  it('a full queue drops (and counts) instead of blocking; a refused batch is not retried', async () => {
    let calls = 0;
    const server = createServer((_req, res) => { calls++; res.writeHead(400); res.end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const s = new WebhookSink('hook-full', { url, headers: {}, format: 'ndjson', batchSize: 100, flushMs: 1000, maxQueue: 2, timeoutMs: 500, maxRetries: 3, backoffMs: 10 }, silent);
    for (let i = 0; i < 5; i++) s.offer(ev(i));
    assert.equal(await metric('portcullis_security_event_sink_dropped_total', { sink: 'hook-full', reason: 'queue_full' }), 3);
    await s.flush();
    assert.equal(calls, 1);
    assert.equal(await metric('portcullis_security_event_sink_dropped_total', { sink: 'hook-full', reason: 'failed' }), 2);
    await s.close();
    server.close();
  });

  it('a webhook that redirects elsewhere gets nothing forwarded: the events and the token stay home', async () => {
    let elsewhere = 0;
    const other = createServer((_req, res) => { elsewhere++; res.writeHead(204); res.end(); });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const server = createServer((_req, res) => { res.writeHead(307, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/steal` }); res.end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const s = new WebhookSink('hook-redirect', { url, headers: { authorization: 'Bearer hook-secret' }, format: 'json', batchSize: 10, flushMs: 1000, maxQueue: 10, timeoutMs: 500, maxRetries: 1, backoffMs: 10 }, silent);
    s.offer(ev(1));
    await s.flush();
    assert.equal(elsewhere, 0, 'the redirect was followed');
    assert.equal(await metric('portcullis_security_event_sink_dropped_total', { sink: 'hook-redirect', reason: 'failed' }), 1);
    await s.close();
    server.closeAllConnections(); server.close();
    other.closeAllConnections(); other.close();
  });

  it('syslog: RFC 5424 over UDP and octet-counted over TCP', async () => {
    const line = formatRfc5424(ev(1), 13, 'portcullis', 'gw-1');
    assert.match(line, /^<108>1 2024-05-01T12:00:00.000Z gw-1 portcullis \d+ security \[portcullis@32473 family="sqli" action="block" score="0.95" client_ip="203.0.113.7" route="api" decision_id="d-1" code="ERR_THREAT"\] \{/);
    assert.equal(JSON.parse(line.slice(line.indexOf('] ') + 2)).decision_id, 'd-1');
    assert.match(formatRfc5424(ev(2, { route: 'a"]b' }), 13, 'p'), /route="a\\"\\]b"/);

    const udp = createSocket('udp4');
    const got: string[] = [];
    udp.on('message', (m) => got.push(m.toString()));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const us = new SyslogSink('syslog-udp', { host: '127.0.0.1', port: (udp.address() as AddressInfo).port, protocol: 'udp', facility: 13, appName: 'portcullis', maxQueue: 10, flushMs: 10, maxMessageBytes: 8192, timeoutMs: 500 }, silent);
    us.offer(ev(7));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.length, 1);
    assert.match(got[0]!, /decision_id="d-7"/);
    await us.close(); udp.close();

    let buf = '';
    const tcp = createTcpServer((sock) => sock.on('data', (d) => { buf += d.toString(); }));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const ts = new SyslogSink('syslog-tcp', { host: '127.0.0.1', port: (tcp.address() as AddressInfo).port, protocol: 'tcp', facility: 13, appName: 'portcullis', maxQueue: 10, flushMs: 10, maxMessageBytes: 8192, timeoutMs: 500 }, silent);
    ts.offer(ev(8)); ts.offer(ev(9));
    await new Promise((r) => setTimeout(r, 300));
    // octet counting: "<len> <msg><len> <msg>"
    const frames: string[] = [];
    let rest = buf;
    while (rest.length > 0) { const sp = rest.indexOf(' '); const len = Number(rest.slice(0, sp)); frames.push(rest.slice(sp + 1, sp + 1 + len)); rest = rest.slice(sp + 1 + len); }
    assert.equal(frames.length, 2);
    assert.match(frames[1]!, /decision_id="d-9"/);
    await ts.close(); tcp.close();
  });

  it('syslog TCP: a collector that accepts but stops reading costs one timeout, drops that batch, and the next flush reconnects; close is bounded', { timeout: 15_000 }, async (t) => {
    const conns: Socket[] = [];
    let reading = false;
    const tcp = createTcpServer((c) => { conns.push(c); if (reading) c.resume(); else c.pause(); });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    t.after(() => { for (const c of conns) c.destroy(); tcp.close(); });
    const s = new SyslogSink('syslog-stall', { host: '127.0.0.1', port: (tcp.address() as AddressInfo).port, protocol: 'tcp', facility: 13, appName: 'portcullis', maxQueue: 1000, flushMs: 1000, maxMessageBytes: 65000, timeoutMs: 300 }, silent);
    // 200-event batches of ~60 KB events: one batch (12 MB) is more than the socket buffers on both ends hold
    const big = 'x'.repeat(60_000);
    for (let i = 0; i < 600; i++) s.offer(ev(i, { where: big }));
    // bounded by the test's timeout, not a wall-clock assertion: a stall that never ended would hang here
    await s.flush();
    assert.equal(await metric('portcullis_security_event_sink_dropped_total', { sink: 'syslog-stall', reason: 'failed' }), 200);
    assert.equal(await metric('portcullis_security_event_sink_queue', { sink: 'syslog-stall' }), 400, 'the rest waits for the next flush');
    assert.equal(conns.length, 1);

    reading = true;
    await s.flush();
    assert.equal(conns.length, 2, 'a new connection');
    assert.equal(await metric('portcullis_security_event_sink_delivered_total', { sink: 'syslog-stall' }), 400);
    await s.close();

    // shutting down against a stalled collector is bounded too; what it could not send is counted
    reading = false;
    const s2 = new SyslogSink('syslog-stall-close', { host: '127.0.0.1', port: (tcp.address() as AddressInfo).port, protocol: 'tcp', facility: 13, appName: 'portcullis', maxQueue: 1000, flushMs: 1000, maxMessageBytes: 65000, timeoutMs: 300 }, silent);
    for (let i = 0; i < 400; i++) s2.offer(ev(i, { where: big }));
    await s2.close();
    assert.equal(await metric('portcullis_security_event_sink_dropped_total', { sink: 'syslog-stall-close', reason: 'failed' }), 200);
    assert.equal(await metric('portcullis_security_event_sink_dropped_total', { sink: 'syslog-stall-close', reason: 'closed' }), 200);
  });
});
