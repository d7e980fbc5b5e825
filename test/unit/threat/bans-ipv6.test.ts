import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../../src/store/memory.js';
import { BanList } from '../../../src/threat/bans.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { decide, denyBody, runtimeFrom, silent } from '../helpers.js';

/**
 * An IPv6 client owns at least a /64 and can take a new address in it for every request: a ban on one
 * address would let it straight back in. IPv6 bans cover the /64 (as rate limits `by: ip` key IPv6 clients);
 * IPv4 stays per address; an IPv4-mapped IPv6 address is its IPv4 address.
 */
describe('bans: an IPv6 client is banned by its /64', () => {
  it('a ban on one address of a /64 covers every address of it, on every replica, and no other /64', async () => {
    const store = new MemoryStore();
    const a = new BanList(store, 2000, silent);
    const b = new BanList(store, 2000, silent);
    await a.start(); await b.start();
    assert.equal(await b.lookup('2001:db8:1:2::9'), 0);
    await a.ban('2001:db8:1:2::5', 60_000, 'sqli in query.q');
    assert.ok((a.cached('2001:db8:1:2:ffff:ffff:ffff:fffe') ?? 0) > Date.now(), 'the replica that banned: another address of the /64');
    assert.ok((b.cached('2001:db8:1:2::9') ?? 0) > Date.now(), 'the other replica learned of it from the channel, despite its cached "no"');
    const c = new BanList(store, 2000, silent); // a replica that was not listening: the store
    assert.ok((await c.lookup('2001:db8:1:2:a:b:c:d')) > Date.now());
    assert.equal(await c.lookup('2001:db8:1:3::5'), 0, 'the next /64 is not banned');
    assert.equal((await c.get('2001:db8:1:2::77'))?.ip, '2001:db8:1:2::/64', 'the record names what is banned');
    await b.unban('2001:db8:1:2::1234');
    assert.equal(a.cached('2001:db8:1:2::5'), 0, 'lifted through another address of the /64');
    assert.equal(await c.lookup('2001:db8:1:2::5'), 0);
    await a.close(); await b.close(); await store.close();
  });

  it('IPv4 stays per address; an IPv4-mapped address is its IPv4 address', async () => {
    const store = new MemoryStore();
    const bans = new BanList(store, 2000, silent);
    await bans.ban('203.0.113.5', 60_000, 'test');
    assert.equal(await new BanList(store, 2000, silent).lookup('203.0.113.6'), 0);
    assert.ok((await new BanList(store, 2000, silent).lookup('::ffff:203.0.113.5')) > Date.now());
    await bans.ban('::ffff:198.51.100.7', 60_000, 'test');
    assert.ok((await new BanList(store, 2000, silent).lookup('198.51.100.7')) > Date.now());
    assert.equal(await new BanList(store, 2000, silent).lookup('198.51.100.8'), 0);
    await store.close();
  });
});

describe('bans through the threat stages and the admin API', () => {
  const CONFIG = 'default_action: { action: allow }\nthreat: { events: { log: false }, ban: { ttl_ms: 60000 } }\nroutes:\n  - name: all\n    match: { path: { prefix: / } }\n';
  const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };

  it('an attack from one address of a /64 bans the /64: the next address is refused, another /64 is not', async () => {
    const rt = await runtimeFrom(CONFIG);
    const mod = rt.modules.get('threat') as ThreatModule;
    await mod.start?.();
    try {
      const attack: any = await decide(rt, { path: '/files?name=../../../../etc/passwd', headers: UA, source: '2001:db8:7:8::1' });
      assert.equal(denyBody(attack).error, 'ERR_THREAT');
      await new Promise((r) => setTimeout(r, 20)); // the ban is written after the refusal
      const rotated: any = await decide(rt, { path: '/search?q=shoes', headers: UA, source: '2001:db8:7:8:1:2:3:4' });
      assert.equal(rotated.denied_response?.status?.code, 403, 'a new address in the banned /64');
      assert.equal(denyBody(rotated).error, 'ERR_BANNED');
      const other: any = await decide(rt, { path: '/search?q=shoes', headers: UA, source: '2001:db8:7:9::1' });
      assert.ok(other.ok_response, 'another /64');
    } finally { await mod.close(); }
  });

  it('the admin API takes an address of the /64 or the /64 itself, and answers with what is banned', async () => {
    const rt = await runtimeFrom(CONFIG);
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
      const placed = await call('POST', '/admin/threat/bans', JSON.stringify({ ip: '2001:DB8:0:5:0:0:0:1', ttl_ms: 60_000, reason: 'manual' }));
      assert.deepEqual([placed.status, placed.json.ip], [201, '2001:db8:0:5::/64']);
      for (const q of ['2001:db8:0:5::abcd', '2001:db8:0:5::/64', '2001:db8:0:5:0::/64']) {
        const got = await call('GET', `/admin/threat/bans?ip=${encodeURIComponent(q)}`);
        assert.deepEqual([got.status, got.json.ip, got.json.banned], [200, '2001:db8:0:5::/64', true], q);
      }
      const blocked: any = await decide(rt, { path: '/x', headers: UA, source: '2001:db8:0:5:ffff::1' });
      assert.equal(denyBody(blocked).error, 'ERR_BANNED');
      for (const bad of ['2001:db8:0:5::/48', '2001:db8:0:5::/128', '10.0.0.0/8', 'nope']) {
        assert.equal((await call('GET', `/admin/threat/bans?ip=${encodeURIComponent(bad)}`)).status, 400, bad);
      }
      const lifted = await call('DELETE', `/admin/threat/bans?ip=${encodeURIComponent('2001:db8:0:5::/64')}`);
      assert.deepEqual([lifted.status, lifted.json.ip, lifted.json.banned], [200, '2001:db8:0:5::/64', false]);
      assert.equal((await call('GET', '/admin/threat/bans?ip=2001:db8:0:5::1')).status, 404);
      const v4 = await call('POST', '/admin/threat/bans', JSON.stringify({ ip: '::ffff:192.0.2.44', ttl_ms: 60_000 }));
      assert.deepEqual([v4.status, v4.json.ip], [201, '192.0.2.44']);
    } finally { await mod.close(); }
  });
});
