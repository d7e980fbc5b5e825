import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/config/loader.js';
import { buildRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { BanList } from '../../../src/threat/bans.js';
import type { SecurityEvent } from '../../../src/threat/events/event.js';
import { threatModule, type ThreatModule } from '../../../src/threat/module.js';
import { parseIp } from '../../../src/threat/ip/address.js';
import { decide, silent } from '../helpers.js';

const event = (id: string): SecurityEvent => ({
  time: new Date().toISOString(), client_ip: '203.0.113.9', route: 'r', family: 'ip', where: 'client', score: 1, action: 'deny',
  mode: 'enforce', code: 'ERR_IP_BLOCKED', decision_id: id, request_id: 'r', method: 'GET', path: '/', findings: [],
});

describe('threat module across a config reload', () => {
  it('the new instance keeps loaded feeds, identical sinks (and their queues) and baselines; closing the old one leaves them working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threat-reload-'));
    const feed = join(dir, 'drop.txt');
    writeFileSync(feed, '203.0.113.0/24\n');
    const events = join(dir, 'events.jsonl');
    const store = new MemoryStore();
    const cfg = {
      feeds: [{ name: 'drop', file: feed, format: 'plain' as const }],
      events: { log: false, sinks: [{ type: 'file' as const, path: events, flush_ms: 5 }] },
    };
    const env = { store, logger: silent, configPath: join(dir, 'p.yaml'), configDir: dir };
    const a = await threatModule.create(cfg, env) as ThreatModule;
    await a.start();
    const b = await threatModule.create(cfg, { ...env, previous: a }) as ThreatModule;
    assert.ok(b.ready(), 'feed adopted, ready at once');
    assert.equal(b.state.feeds[0]!.has(parseIp('203.0.113.9')!), true);
    assert.equal(b.state.events.sinks[0], a.state.events.sinks[0], 'identical sink kept');
    assert.equal(b.state.anomaly, a.state.anomaly, 'baselines kept');
    assert.ok(a.state.bot?.dns, 'good bots verified by DNS by default');
    assert.equal(b.state.bot?.dns, a.state.bot?.dns, 'reverse-DNS verifier (and its cache) kept');
    await b.start();
    await a.close();
    b.state.events.emit({ time: new Date().toISOString(), client_ip: '203.0.113.9', route: 'r', family: 'ip', where: 'client', score: 1, action: 'deny', mode: 'enforce', code: 'ERR_IP_BLOCKED', decision_id: 'd-after-reload', request_id: 'r', method: 'GET', path: '/', findings: [] });
    await b.state.events.flush();
    assert.match(readFileSync(events, 'utf8'), /d-after-reload/);
    // bans still reach the new instance through the store channel
    await b.state.bans.ban('198.51.100.9', 60_000, 'test');
    const c = await threatModule.create(cfg, { ...env, previous: b }) as ThreatModule;
    await c.start();
    await b.close();
    assert.ok((await c.state.bans.lookup('198.51.100.9')) > Date.now());
    await c.close();
    await store.close();
  });

  it('a resolver address that is not one is a config error naming its path', async () => {
    const env = { store: new MemoryStore(), logger: silent, configPath: '/x/p.yaml', configDir: '/x' };
    await assert.rejects(threatModule.create({ bot: { dns: { servers: ['999.1.1.1:53'] } } }, env), (err: Error & { path?: string }) => {
      assert.match(`${err.path ?? ''} ${err.message}`, /\/threat\/bot\/dns\/servers/);
      return true;
    });
  });

  it('a rejected reload (built, never started, closed) leaves the running instance\'s sinks, feeds, bans and trackers working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threat-rejected-'));
    const feed = join(dir, 'drop.txt');
    writeFileSync(feed, '203.0.113.0/24\n');
    const events = join(dir, 'events.jsonl');
    const store = new MemoryStore();
    const cfg = {
      feeds: [{ name: 'drop', file: feed, format: 'plain' as const, refresh_ms: 20 }],
      events: { log: false, sinks: [{ type: 'file' as const, path: events, flush_ms: 5 }] },
    };
    const env = { store, logger: silent, configPath: join(dir, 'p.yaml'), configDir: dir };
    const live = await threatModule.create(cfg, env) as ThreatModule;
    await live.start();
    const rejected = await threatModule.create(cfg, { ...env, previous: live }) as ThreatModule;
    assert.equal(rejected.state.events.sinks[0], live.state.events.sinks[0], 'the identical sink is shared while the reload is built');
    await rejected.close();

    live.state.events.emit(event('d-after-rejected-reload'));
    await live.state.events.flush();
    assert.match(readFileSync(events, 'utf8'), /d-after-rejected-reload/, 'the live sink still delivers');
    // the live feed keeps refreshing, the ban subscription keeps listening
    writeFileSync(feed, '198.51.100.0/24\n');
    utimesSync(feed, new Date(), new Date(Date.now() + 5000));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(live.state.feeds[0]!.has(parseIp('198.51.100.1')!), true);
    await new BanList(store, 2000, silent).ban('192.0.2.77', 60_000, 'test');
    assert.ok((live.state.bans.cached('192.0.2.77') ?? 0) > Date.now());
    assert.ok(live.state.bot?.dns && live.state.anomaly && live.state.cadence, 'shared trackers are still there');
    await live.close();
    await store.close();
  });

  it('after a successful reload the old instance closes only the sinks the new one did not keep; the new one closes the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threat-handover-'));
    const env = { store: new MemoryStore(), logger: silent, configPath: join(dir, 'p.yaml'), configDir: dir };
    const kept = { type: 'file' as const, path: join(dir, 'kept.jsonl'), flush_ms: 5 };
    const dropped = { type: 'file' as const, path: join(dir, 'dropped.jsonl'), flush_ms: 5 };
    const a = await threatModule.create({ events: { log: false, sinks: [kept, dropped] } }, env) as ThreatModule;
    await a.start();
    const b = await threatModule.create({ events: { log: false, sinks: [kept] } }, { ...env, previous: a }) as ThreatModule;
    await b.start();
    await a.close();
    const [k, d] = a.state.events.sinks as unknown as Array<{ closed: boolean }>;
    assert.equal(k!.closed, false, 'kept sink open');
    assert.equal(d!.closed, true, 'sink the new config dropped is closed');
    await b.close();
    assert.equal(k!.closed, true);
  });

  it('a reload that fails after the threat module was built (a route error) does not close the live sinks', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'threat-rt-')), 'events.jsonl');
    const store = new MemoryStore();
    const y = (route: string) => `default_action: { action: allow }\nthreat: { ban: { ttl_ms: 0 }, events: { log: false, sinks: [ { type: file, path: ${file}, flush_ms: 5 } ] } }\nroutes:\n  - name: api\n    match: { path: { prefix: / } }\n${route}`;
    const live = await buildRuntime(parseConfig(y(''), 'c.yaml', {}), store, silent);
    for (const m of live.modules.values()) await m.start?.();
    await assert.rejects(buildRuntime(parseConfig(y('    threat: { block: 0.5, throttle: 0.6 }\n'), 'c.yaml', {}), store, silent, live), /throttle/);
    const ua = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };
    const resp = await decide(live, { path: "/s?q=1'%20OR%20'1'%3D'1", headers: ua, source: '198.51.100.200' });
    assert.equal(resp.denied_response?.status.code, 403);
    const threat = live.modules.get('threat') as ThreatModule;
    await threat.state.events.flush();
    assert.match(readFileSync(file, 'utf8'), /"family":"sqli"/);
    for (const m of live.modules.values()) await m.close?.();
    await store.close();
  });
});
