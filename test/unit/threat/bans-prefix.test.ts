import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { BanList, banKey } from '../../../src/threat/bans.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { decide, denyBody, runtimeFrom, silent } from '../helpers.js';

/** `threat.ban.ipv6_prefix_length` (48..128, default 64) and `ipv4_prefix_length` (16..32, default 32). */
describe('bans: configurable prefix lengths', () => {
  it('the defaults key as before: an IPv4 address as is, an IPv6 address by its /64', () => {
    assert.equal(banKey('203.0.113.5'), '203.0.113.5');
    assert.equal(banKey('2001:db8:1:2::5'), '2001:db8:1:2::/64');
    assert.equal(banKey('2001:db8:1:2::5', { ipv4: 32, ipv6: 64 }), '2001:db8:1:2::/64');
  });

  it('other lengths: IPv6 /48 and /128, IPv4 /24', () => {
    assert.equal(banKey('2001:db8:1:2::5', { ipv4: 32, ipv6: 48 }), '2001:db8:1::/48');
    assert.equal(banKey('2001:db8:1:2::5', { ipv4: 32, ipv6: 128 }), '2001:db8:1:2::5');
    assert.equal(banKey('203.0.113.5', { ipv4: 24, ipv6: 64 }), '203.0.113.0/24');
    assert.equal(banKey('203.0.113.5', { ipv4: 31, ipv6: 64 }), '203.0.113.4/31');
  });

  it('a BanList with /48 and /24 bans the whole prefix in the store, the local cache and on other replicas', async () => {
    const store = new MemoryStore();
    const p = { ipv4: 24, ipv6: 48 };
    const a = new BanList(store, 2000, silent, Date.now, 1000, p);
    const b = new BanList(store, 2000, silent, Date.now, 1000, p);
    await a.start(); await b.start();
    assert.equal(await b.lookup('2001:db8:1:ffff::1'), 0);
    await a.ban('2001:db8:1:2::5', 60_000, 'test');
    assert.ok((a.cached('2001:db8:1:ffff::9') ?? 0) > Date.now(), 'same /48, the replica that banned');
    assert.ok((b.cached('2001:db8:1:ffff::1') ?? 0) > Date.now(), 'same /48, the other replica (its cached "no" replaced)');
    assert.equal(await new BanList(store, 2000, silent, Date.now, 1000, p).lookup('2001:db8:2::1'), 0, 'another /48');
    assert.notEqual(await store.get('threat:ban:2001:db8:1::/48'), null);
    await a.ban('203.0.113.5', 60_000, 'test');
    assert.ok((await new BanList(store, 2000, silent, Date.now, 1000, p).lookup('203.0.113.200')) > Date.now());
    assert.equal(await new BanList(store, 2000, silent, Date.now, 1000, p).lookup('203.0.114.1'), 0);
    assert.equal((await a.get('203.0.113.9'))?.ip, '203.0.113.0/24');
    await a.close(); await b.close(); await store.close();
  });

  const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };
  const config = (ban: string) => `default_action: { action: allow }\nthreat: { events: { log: false }, ban: { ttl_ms: 60000, ${ban} } }\nroutes:\n  - name: all\n    match: { path: { prefix: / } }\n`;

  it('threat.ban.ipv6_prefix_length: 48 — an attack bans the /48, the admin API takes and answers the /48', async () => {
    const rt = await runtimeFrom(config('ipv6_prefix_length: 48, ipv4_prefix_length: 24'));
    const mod = rt.modules.get('threat') as ThreatModule;
    await mod.start?.();
    const routes = mod.adminRoutes!();
    const call = async (method: string, url: string, body = '') => {
      let status = 0; let out = '';
      const res: any = { writeHead: (s: number) => { status = s; }, end: (b: string) => { out = b; } };
      await routes.find((r) => r.method === method && r.path === '/admin/threat/bans')!.handle({ url } as any, res, Buffer.from(body));
      return { status, json: JSON.parse(out) };
    };
    try {
      const attack: any = await decide(rt, { path: '/files?name=../../../../etc/passwd', headers: UA, source: '2001:db8:7:8::1' });
      assert.equal(denyBody(attack).error, 'ERR_THREAT');
      await new Promise((r) => setTimeout(r, 20)); // the ban is written after the refusal
      const rotated: any = await decide(rt, { path: '/search?q=shoes', headers: UA, source: '2001:db8:7:ffff::1' });
      assert.equal(denyBody(rotated).error, 'ERR_BANNED', 'another /64 of the banned /48');
      const got = await call('GET', `/admin/threat/bans?ip=${encodeURIComponent('2001:db8:7::/48')}`);
      assert.deepEqual([got.status, got.json.ip], [200, '2001:db8:7::/48']);
      assert.equal((await call('GET', `/admin/threat/bans?ip=${encodeURIComponent('2001:db8:7:8::/64')}`)).status, 400, 'a /64 is not what a ban covers here');
      const placed = await call('POST', '/admin/threat/bans', JSON.stringify({ ip: '198.51.100.0/24', ttl_ms: 60_000 }));
      assert.deepEqual([placed.status, placed.json.ip], [201, '198.51.100.0/24']);
      const v4: any = await decide(rt, { path: '/x', headers: UA, source: '198.51.100.77' });
      assert.equal(denyBody(v4).error, 'ERR_BANNED');
      const lifted = await call('DELETE', '/admin/threat/bans?ip=198.51.100.3');
      assert.deepEqual([lifted.status, lifted.json.ip], [200, '198.51.100.0/24']);
      const bad = await call('POST', '/admin/threat/bans', JSON.stringify({ ip: '2001:db8::/64', ttl_ms: 60_000 }));
      assert.equal(bad.status, 400);
      assert.match(bad.json.error, /\/48/);
    } finally { await mod.close(); }
  });

  it('lengths outside 48..128 (IPv6) and 16..32 (IPv4) are config errors at their path', async () => {
    for (const [ban, path] of [['ipv6_prefix_length: 47', '/threat/ban/ipv6_prefix_length'], ['ipv6_prefix_length: 129', '/threat/ban/ipv6_prefix_length'], ['ipv4_prefix_length: 15', '/threat/ban/ipv4_prefix_length'], ['ipv4_prefix_length: 33', '/threat/ban/ipv4_prefix_length']] as const) {
      let msg = '';
      try { await runtimeFrom(config(ban)); } catch (e) { assert.ok(e instanceof ConfigLoadError, String(e)); msg = e.message; }
      assert.ok(msg.includes(path), `${ban}: ${msg}`);
    }
    for (const ban of ['ipv6_prefix_length: 48', 'ipv6_prefix_length: 128', 'ipv4_prefix_length: 16', 'ipv4_prefix_length: 32']) {
      const rt = await runtimeFrom(config(ban));
      await rt.modules.get('threat')!.close?.();
    }
  });
});
