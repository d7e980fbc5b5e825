import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { SyslogSink, type SyslogOptions } from '../../../src/threat/events/sinks/syslog.js';
import { runtimeFrom, silent } from '../helpers.js';

const ev = (i: number) => ({ time: '2024-05-01T12:00:00.000Z', action: 'block', family: 'sqli', score: 1, client_ip: '203.0.113.7', route: 'api', code: 'ERR_THREAT', decision_id: `d-${i}`, findings: [] }) as unknown as SecurityEvent;
const opts = (o: Partial<SyslogOptions>): SyslogOptions => ({ host: '127.0.0.1', port: 514, protocol: 'udp', facility: 13, appName: 'portcullis', maxQueue: 100, flushMs: 1000, maxMessageBytes: 8192, timeoutMs: 500, ...o });

async function udpCollector(bind: string): Promise<{ port: number; got: string[]; close: () => void }> {
  const udp = createSocket(bind.includes(':') ? 'udp6' : 'udp4');
  const got: string[] = [];
  udp.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => udp.bind(0, bind, () => r()));
  return { port: (udp.address() as AddressInfo).port, got, close: () => udp.close() };
}

const until = async (ok: () => boolean) => { for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10)); };

describe('syslog sink: collector address', () => {
  it('UDP: the host name is looked up once, not per datagram; a failed lookup later keeps the last good address', async (t) => {
    const c = await udpCollector('127.0.0.1');
    t.after(() => c.close());
    let lookups = 0;
    let dnsDown = false;
    const lookup = async (host: string) => {
      lookups++;
      assert.equal(host, 'siem.example.test');
      if (dnsDown) throw Object.assign(new Error('getaddrinfo EAI_AGAIN siem.example.test'), { code: 'EAI_AGAIN' });
      return { address: '127.0.0.1', family: 4 };
    };
    let now = 0;
    const s = new SyslogSink('syslog-dns', opts({ host: 'siem.example.test', port: c.port }), silent, { lookup, now: () => now });
    t.after(() => s.close());
    for (let i = 0; i < 5; i++) s.offer(ev(i));
    await s.flush();
    await until(() => c.got.length >= 5);
    assert.equal(c.got.length, 5);
    assert.equal(lookups, 1, 'one lookup for five datagrams');
    // the resolver goes away and the answer is old: the events still go to the last good address
    dnsDown = true;
    now += 10 * 60_000;
    for (let i = 5; i < 8; i++) s.offer(ev(i));
    await s.flush();
    await until(() => c.got.length >= 8);
    assert.equal(c.got.length, 8, 'events lost while DNS was down');
    assert.ok(lookups >= 2, 'a stale answer is refreshed');
  });

  it('UDP and TCP: a bracketed IPv6 host ([::1]) is accepted', async (t) => {
    const c = await udpCollector('::1');
    t.after(() => c.close());
    const u = new SyslogSink('syslog-v6-udp', opts({ host: '[::1]', port: c.port }), silent);
    t.after(() => u.close());
    u.offer(ev(1));
    await u.flush();
    await until(() => c.got.length >= 1);
    assert.equal(c.got.length, 1);

    let buf = '';
    const tcp = createTcpServer((sock) => sock.on('data', (d) => { buf += d.toString(); }));
    await new Promise<void>((r) => tcp.listen(0, '::1', r));
    const conns: import('node:net').Socket[] = [];
    tcp.on('connection', (x) => conns.push(x));
    const ts = new SyslogSink('syslog-v6-tcp', opts({ host: '[::1]', port: (tcp.address() as AddressInfo).port, protocol: 'tcp' }), silent);
    t.after(async () => { await ts.close(); for (const x of conns) x.destroy(); tcp.close(); });
    ts.offer(ev(2));
    await ts.flush();
    await until(() => buf.includes('d-2'));
    assert.match(buf, /decision_id="d-2"/);
  });

  it('a bracketed host that is not an IPv6 address is a config error at its JSON path', async () => {
    for (const host of ['"[collector.example]"', '"[127.0.0.1]"', '"[::1"', '"::1]"']) {
      let msg = '';
      try {
        await runtimeFrom(`threat:\n  events:\n    sinks:\n      - { type: syslog, host: ${host}, port: 514 }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n`);
      } catch (e) { assert.ok(e instanceof ConfigLoadError, String(e)); msg = e.message; }
      assert.match(msg, /\/threat\/events\/sinks\/0\/host/, host);
    }
  });
});
