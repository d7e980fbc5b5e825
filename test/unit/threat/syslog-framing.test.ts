import assert from 'node:assert/strict';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { SyslogSink, type SyslogOptions } from '../../../src/threat/events/sinks/syslog.js';
import { runtimeFrom, silent } from '../helpers.js';

const ev = (i: number, over: Partial<SecurityEvent> = {}) => ({ time: '2024-05-01T12:00:00.000Z', action: 'block', family: 'sqli', score: 1, client_ip: '203.0.113.7', route: 'api', code: 'ERR_THREAT', decision_id: `d-${i}`, path: '/x', findings: [], ...over }) as unknown as SecurityEvent;

const load = async (sink: string): Promise<string> => {
  try {
    const rt = await runtimeFrom(`threat:\n  events:\n    sinks:\n      - ${sink}\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`);
    await Promise.all([...rt.modules.values()].map((m) => m.close?.()));
    return '';
  } catch (e) { assert.ok(e instanceof ConfigLoadError, String(e)); return e.message; }
};

/**
 * RFC 6587 §3.4.2 non-transparent framing (each message ends with LF): what Fluent Bit's syslog input,
 * Logstash's syslog/tcp inputs and Splunk's TCP inputs split on. With octet counting only, such a receiver
 * saw one endless line ("123 <108>1 … 124 <108>1 …").
 */
describe('syslog TCP framing: lf', () => {
  it('each event is one LF-terminated line; a CR or LF in a field cannot split an event', async (t) => {
    let buf = '';
    const conns: Socket[] = [];
    const tcp = createTcpServer((sock) => { conns.push(sock); sock.on('data', (d) => { buf += d.toString(); }); });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const o: SyslogOptions & { framing: 'lf' } = { host: '127.0.0.1', port: (tcp.address() as AddressInfo).port, protocol: 'tcp', framing: 'lf', facility: 13, appName: 'portcullis', maxQueue: 10, flushMs: 1000, maxMessageBytes: 8192, timeoutMs: 500 };
    const s = new SyslogSink('syslog-lf', o, silent);
    t.after(async () => { await s.close(); for (const c of conns) c.destroy(); tcp.close(); });
    s.offer(ev(1));
    s.offer(ev(2, { route: 'a\nb\r\nc', where: 'query.x\ny' }));
    s.offer(ev(3));
    await s.flush();
    for (let i = 0; i < 200 && buf.split('\n').length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    const lines = buf.split('\n');
    assert.equal(lines.pop(), '', 'the last message ends with LF');
    assert.equal(lines.length, 3, JSON.stringify(buf));
    for (const [i, l] of lines.entries()) {
      assert.match(l, /^<108>1 /, 'no octet count in front');
      assert.ok(!l.includes('\r'));
      assert.equal(JSON.parse(l.slice(l.indexOf('] ') + 2)).decision_id, `d-${i + 1}`);
    }
    assert.equal(JSON.parse(lines[1]!.slice(lines[1]!.indexOf('] ') + 2)).route, 'a\nb\r\nc', 'the JSON keeps the value (escaped)');
  });

  it('framing is a syslog TCP setting: octet-counting and lf load, udp with framing is a config error', async () => {
    assert.equal(await load('{ type: syslog, host: 127.0.0.1, port: 514, protocol: tcp, framing: lf }'), '');
    assert.equal(await load('{ type: syslog, host: 127.0.0.1, port: 514, protocol: tcp, framing: octet-counting }'), '');
    assert.match(await load('{ type: syslog, host: 127.0.0.1, port: 514, protocol: udp, framing: lf }'), /\/threat\/events\/sinks\/0\/framing/);
    assert.match(await load('{ type: syslog, host: 127.0.0.1, port: 514, protocol: tcp, framing: nul }'), /\/threat\/events\/sinks\/0\/framing/);
  });
});
