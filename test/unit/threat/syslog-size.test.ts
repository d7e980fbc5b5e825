import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { SyslogSink } from '../../../src/threat/events/sinks/syslog.js';
import { silent } from '../helpers.js';

/** An event as large as a client can make it: 16 findings on 64-character non-ASCII JSON keys, long details. */
function bigEvent(): SecurityEvent {
  const key = (i: number) => `${'ключ'.repeat(16)}${i}`.slice(0, 64);
  return {
    time: '2024-05-01T12:00:00.000Z', client_ip: '203.0.113.7', route: 'api', family: 'sqli', where: `body.$.${key(0)}`, score: 1,
    action: 'block', mode: 'enforce', code: 'ERR_THREAT', decision_id: 'd-big', request_id: 'r-1', method: 'POST', path: '/api/items',
    findings: Array.from({ length: 16 }, (_, i) => ({ family: 'sqli', where: `body.$.${key(i)}`, confidence: 1 - i / 100, detail: `sq:${'union select '.repeat(12)}`.slice(0, 160) })),
  };
}

describe('syslog sink: an event larger than max_message_bytes', () => {
  it('still arrives as one parseable JSON event (the weakest findings left out), within the limit', async () => {
    const udp = createSocket('udp4');
    const got: Buffer[] = [];
    udp.on('message', (m) => got.push(m));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const max = 4096;
    const s = new SyslogSink('syslog-size', { host: '127.0.0.1', port: (udp.address() as AddressInfo).port, protocol: 'udp', facility: 13, appName: 'portcullis', maxQueue: 10, flushMs: 5, maxMessageBytes: max, timeoutMs: 500 }, silent);
    const e = bigEvent();
    s.offer(e);
    await s.flush();
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await s.close(); udp.close();
    assert.equal(got.length, 1);
    const msg = got[0]!;
    assert.ok(msg.length <= max, `${msg.length} bytes`);
    const text = msg.toString('utf8');
    const json = JSON.parse(text.slice(text.indexOf('] {') + 2)) as SecurityEvent;   // threw before: the JSON was cut
    assert.equal(json.decision_id, 'd-big');
    assert.ok(json.findings.length >= 1 && json.findings.length < 16);
    assert.deepEqual(json.findings[0], e.findings[0], 'the strongest finding is kept whole');
  });
});
