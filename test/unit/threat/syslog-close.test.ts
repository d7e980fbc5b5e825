import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { SyslogSink } from '../../../src/threat/events/sinks/syslog.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { silent } from '../helpers.js';

const ev = (i: number) => ({ time: '2024-05-01T12:00:00.000Z', action: 'block', family: 'sqli', score: 1, client_ip: '203.0.113.7', route: 'api', code: 'ERR_THREAT', decision_id: `d-${i}`, findings: [] }) as unknown as SecurityEvent;

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val));
  return Number(v?.value ?? 0);
}

describe('syslog TCP sink shutdown', () => {
  it('closing while the collector is down makes no reconnect retries: what is left is counted as closed', async () => {
    // a privileged port nobody listens on (a freed ephemeral port could be taken by a concurrent test): every connect is refused
    const port = 1;
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
