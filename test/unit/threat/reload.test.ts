import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../../src/store/memory.js';
import { threatModule, type ThreatModule } from '../../../src/threat/module.js';
import { parseIp } from '../../../src/threat/ip/address.js';
import { silent } from '../helpers.js';

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
});
