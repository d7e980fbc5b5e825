import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { FileSink } from '../../../src/threat/events/sinks/file.js';
import { SyslogSink, type SyslogOptions } from '../../../src/threat/events/sinks/syslog.js';
import { WebhookSink, type WebhookOptions } from '../../../src/threat/events/sinks/webhook.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { threatModule, type ThreatModule } from '../../../src/threat/module.js';
import { silent } from '../helpers.js';

const hook: WebhookOptions = {
  url: 'https://siem.example.net/hook', headers: { authorization: 'Bearer OLD-SECRET', 'x-tenant': 't1' }, format: 'json',
  batchSize: 100, flushMs: 200, maxQueue: 10_000, timeoutMs: 2000, maxRetries: 5, backoffMs: 200,
};
const sys: SyslogOptions = {
  host: '127.0.0.1', port: 514, protocol: 'tcp', facility: 13, appName: 'portcullis', maxQueue: 10_000, flushMs: 200,
  maxMessageBytes: 8192, timeoutMs: 2000,
};

describe('security event sinks: reuse across a reload', () => {
  it('a webhook sink keys on every option, header values included, and the key holds no secret', () => {
    const key = new WebhookSink('h', hook, silent).key;
    assert.equal(new WebhookSink('h', { ...hook, headers: { 'x-tenant': 't1', authorization: 'Bearer OLD-SECRET' } }, silent).key, key, 'header order does not matter');
    const changes: Array<Partial<WebhookOptions>> = [
      { headers: { ...hook.headers, authorization: 'Bearer NEW-SECRET' } }, { url: 'https://siem.example.net/other' }, { format: 'ndjson' },
      { batchSize: 10 }, { flushMs: 50 }, { maxQueue: 5 }, { timeoutMs: 100 }, { maxRetries: 0 }, { backoffMs: 1 },
    ];
    for (const c of changes) assert.notEqual(new WebhookSink('h', { ...hook, ...c }, silent).key, key, JSON.stringify(c));
    assert.doesNotMatch(key, /SECRET|siem\.example/);
    assert.match(key, /^webhook\|[0-9a-f]{64}$/);
  });

  it('file and syslog sinks key on every option too', () => {
    const f = new FileSink('f', '/var/log/ev.jsonl', silent, { maxQueue: 10, flushMs: 200 }).key;
    assert.notEqual(new FileSink('f', '/var/log/ev.jsonl', silent, { maxQueue: 10, flushMs: 20 }).key, f);
    assert.notEqual(new FileSink('f', '/var/log/ev.jsonl', silent, { maxQueue: 11, flushMs: 200 }).key, f);
    assert.notEqual(new FileSink('f', '/var/log/other.jsonl', silent, { maxQueue: 10, flushMs: 200 }).key, f);
    const s = new SyslogSink('s', sys, silent).key;
    assert.equal(new SyslogSink('s', { ...sys }, silent).key, s);
    for (const c of [{ timeoutMs: 10 }, { maxQueue: 1 }, { flushMs: 1 }, { maxMessageBytes: 480 }, { port: 6514 }, { appName: 'x' }] as Array<Partial<SyslogOptions>>) {
      assert.notEqual(new SyslogSink('s', { ...sys, ...c }, silent).key, s, JSON.stringify(c));
    }
  });

  it('a reload with a rotated bearer token and new retry settings builds a new webhook sink that uses them', async (t) => {
    const seen: string[] = [];
    const server = createServer((req, res) => { seen.push(String(req.headers.authorization)); req.resume(); res.end('ok'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.closeAllConnections(); server.close(); });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/h`;
    const store = new MemoryStore();
    const env = { store, logger: silent, configPath: '/tmp/p.yaml', configDir: '/tmp' };
    const cfg = (token: string, retries: number) => ({ events: { log: false, sinks: [{ type: 'webhook' as const, url, headers: { authorization: `Bearer ${token}` }, max_retries: retries, flush_ms: 5 }] } });
    const a = await threatModule.create(cfg('OLD', 5), env) as ThreatModule;
    await a.start();
    const b = await threatModule.create(cfg('NEW', 0), { ...env, previous: a }) as ThreatModule;
    await b.start();
    await a.close();
    assert.notEqual(b.state.events.sinks[0], a.state.events.sinks[0]);
    b.state.events.emit({ time: new Date().toISOString(), client_ip: '203.0.113.1', route: 'r', family: 'sqli', where: 'query.q', score: 1, action: 'block', mode: 'enforce', code: 'ERR_THREAT', decision_id: 'd', request_id: 'r', method: 'GET', path: '/', findings: [] });
    await b.state.events.flush();
    assert.deepEqual(seen, ['Bearer NEW']);
    await b.close();
    await store.close();
  });
});
