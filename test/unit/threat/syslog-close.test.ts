import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { SyslogSink } from '../../../src/threat/events/sinks/syslog.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { silent } from '../helpers.js';

const ev = (i: number) => ({ time: '2024-05-01T12:00:00.000Z', action: 'block', family: 'sqli', score: 1, client_ip: '203.0.113.7', route: 'api', code: 'ERR_THREAT', decision_id: `d-${i}` }) as unknown as SecurityEvent;

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val));
  return Number(v?.value ?? 0);
}

describe('syslog TCP sink shutdown', () => {
  it('closing while the collector is down makes no reconnect retries: what is left is counted as closed', async () => {
    // a port nobody listens on: every connect is refused
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const s = new SyslogSink('syslog-close-down', { host: '127.0.0.1', port, protocol: 'tcp', facility: 13, appName: 'portcullis', maxQueue: 1000, flushMs: 1000, maxMessageBytes: 8192, timeoutMs: 500 }, silent);
    for (let i = 0; i < 401; i++) s.offer(ev(i));   // three batches of at most 200
    // the sink's timers and sockets are unref'd: keep this process alive as the service's servers would
    const alive = setInterval(() => undefined, 1000);
    try { await s.close(); } finally { clearInterval(alive); }
    assert.equal(await metric('portcullis_security_event_sink_retries_total', { sink: 'syslog-close-down' }), 0, 'reconnects were retried on the way out');
    const failed = await metric('portcullis_security_event_sink_dropped_total', { sink: 'syslog-close-down', reason: 'failed' });
    const closed = await metric('portcullis_security_event_sink_dropped_total', { sink: 'syslog-close-down', reason: 'closed' });
    assert.equal(failed, 200);
    assert.equal(closed, 201);
  });
});
