import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestDns, type TestDns } from '../fixtures/threat/dns-server.js';
import { country, writeMmdb } from '../fixtures/threat/mmdb-writer.js';
import { startStack, type Stack } from './harness/stack.js';
import { send, type Resp } from './harness/http.js';

/**
 * Threat protection through a real Envoy (request bodies sent to Portcullis with pack_as_bytes), two
 * Portcullis replicas sharing a real Redis. Clients use distinct loopback source addresses (127.0.0.x),
 * so Envoy's remote address — the client IP Portcullis sees — differs per test.
 */

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';

/** An HTTP request to Envoy from a chosen loopback source address, with a browser's usual headers. */
function sendFrom(port: number, from: string, o: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Resp> {
  const headers: Record<string, string> = { 'user-agent': UA, accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'identity', ...o.headers };
  return send(port, { ...o, headers, from });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('threat protection through a real Envoy', () => {
  let stack: Stack;
  let hook: Server;
  let dns: TestDns;
  const events: any[] = [];
  const get = (from: string, path: string, headers?: Record<string, string>) => sendFrom(stack.envoy.httpPort, from, { path, headers });
  const post = (from: string, path: string, body: string, contentType = 'application/json') =>
    sendFrom(stack.envoy.httpPort, from, { method: 'POST', path, body, headers: { 'content-type': contentType } });

  before(async () => {
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => { events.push(...JSON.parse(Buffer.concat(chunks).toString())); res.writeHead(204); res.end(); });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookPort = (hook.address() as AddressInfo).port;
    // forward-confirmed reverse DNS: 127.0.0.21 is a real Googlebot, 127.0.0.22's PTR name does not resolve back
    dns = await startTestDns({
      ptr: { '127.0.0.21': ['crawl-127-0-0-21.googlebot.com.'], '127.0.0.22': ['crawl-66-249-66-1.googlebot.com.'] },
      hosts: { 'crawl-127-0-0-21.googlebot.com': ['127.0.0.21'], 'crawl-66-249-66-1.googlebot.com': ['66.249.66.1'] },
    });
    stack = await startStack({
      redis: 'single',
      replicas: 2,
      config: ({ redisUrl, dir }) => {
        const geo = join(dir, 'country.mmdb');
        writeMmdb(geo, [['127.0.0.14/32', country('KP', 'North Korea')], ['127.0.0.15/32', country('DE', 'Germany')]]);
        return `
default_action: { action: deny }
store: { kind: redis, url: "${redisUrl}" }
threat:
  ban: { ttl_ms: 60000, cache_ms: 1000 }
  ip: { block: [127.0.0.16/32] }
  geo: { database: ${geo} }
  bot: { cadence: { enabled: false }, dns: { servers: ["${dns.address}"], timeout_ms: 500 } }
  events:
    sinks:
      - { type: webhook, url: "http://127.0.0.1:${hookPort}/events", flush_ms: 100 }
      - { type: file, path: events.jsonl }
routes:
  - name: geo
    match: { path: { prefix: /geo } }
    threat: { geo: { deny_countries: [KP] } }
  - name: items
    match: { path: { prefix: /api/items } }
    threat:
      validation:
        content_types: [application/json]
        schemas:
          POST: { type: object, required: [name], properties: { name: { type: string }, comment: { type: string } } }
  - name: headers
    match: { path: { prefix: /hdrs } }
    threat: { validation: { max_headers: 6 } }
  - name: suspicious
    match: { path: { prefix: /sus } }
    threat: { block: 0.95, throttle: 0.5, ban: false }
    ratelimit:
      limits:
        - { name: per-ip, by: ip, requests_per_unit: 100, unit: minute, throttled_requests_per_unit: 1 }
  - name: bots
    match: { path: { prefix: /bots } }
    threat: { block: 0.5, ban: false, upstream_header: true }
  - name: api
    match: { path: { prefix: / } }
`;
      },
    });
  });
  after(async () => {
    await stack?.stop();
    hook?.close();
    await dns?.close();
  });

  it('SQL injection in a query value → 403 ERR_THREAT, and the event reaches the webhook sink within a second', async () => {
    const r = await get('127.0.0.11', "/api/search?q=1'%20UNION%20SELECT%20username,%20password%20FROM%20users--");
    assert.equal(r.status, 403, r.body);
    const body = r.json();
    assert.equal(body.error, 'ERR_THREAT');
    const started = Date.now();
    let ev: any;
    while (!ev && Date.now() - started < 3000) { await sleep(50); ev = events.find((e) => e.decision_id === body.decision_id); }
    assert.ok(ev, 'event delivered to the webhook');
    assert.ok(Date.now() - started < 1500, `delivered in ${Date.now() - started} ms`);
    assert.equal(ev.family, 'sqli');
    assert.equal(ev.where, 'query.q');
    assert.equal(ev.action, 'block');
    assert.equal(ev.client_ip, '127.0.0.11');
    assert.equal(ev.route, 'api');
    assert.ok(ev.score >= 0.8);
    assert.ok(!JSON.stringify(ev).toLowerCase().includes('union select'), 'no raw payload in the event');
  });

  it('XSS in a JSON body → 403 (Envoy sends the body to Portcullis)', async () => {
    const r = await post('127.0.0.12', '/api/comments', JSON.stringify({ author: 'eve', comment: 'nice post <img src=x onerror=alert(document.cookie)>' }));
    assert.equal(r.status, 403, r.body);
    assert.equal(r.json().error, 'ERR_THREAT');
  });

  it("a benign request with O'Brien and a quoted search → 200, body and query reach the upstream intact", async () => {
    const q = await get('127.0.0.10', `/api/search?q=${encodeURIComponent('"O\'Brien" "New York" -- (2024); 50% off')}`);
    assert.equal(q.status, 200, q.body);
    assert.equal(new URL(q.json().path, 'http://x').searchParams.get('q'), '"O\'Brien" "New York" -- (2024); 50% off');
    const doc = { name: "Seán O'Brien", comment: 'He said "hello"; then left (quickly). Select the best one -- or not!', tags: ['a&b', 'c|d'] };
    const p = await post('127.0.0.10', '/api/items', JSON.stringify(doc));
    assert.equal(p.status, 200, p.body);
    assert.deepEqual(JSON.parse(p.json().body), doc);
  });

  it('a client banned after an attack is refused by the other replica too (ban in Redis)', async () => {
    const from = '127.0.0.13';
    const attack = await get(from, '/api/files?name=../../../../etc/passwd');
    assert.equal(attack.status, 403);
    assert.equal(attack.json().error, 'ERR_THREAT');
    await sleep(100);
    for (let i = 0; i < 4; i++) {
      const r = await get(from, '/api/search?q=shoes');
      assert.equal(r.status, 403, r.body);
      assert.equal(r.json().error, 'ERR_BANNED');
    }
    await sleep(200);
    const logs = stack.portcullis.map((p) => p.logs().split('\n').filter((l) => l.includes(`"client_ip":"${from}"`)));
    const attacked = logs.findIndex((ls) => ls.some((l) => l.includes('"code":"ERR_THREAT"')));
    assert.ok(attacked >= 0, 'one replica blocked the attack');
    const other = logs[1 - attacked]!;
    assert.ok(other.some((l) => l.includes('"code":"ERR_BANNED"')), 'the replica that never saw the attack refused the banned client');
    assert.equal((await get('127.0.0.10', '/api/search?q=shoes')).status, 200, 'other clients unaffected');
    const admin = await fetch(`${stack.portcullis[1 - attacked]!.adminUrl}/admin/threat/bans?ip=${from}`);
    assert.equal(admin.status, 200);
    assert.match((await admin.json() as any).reason, /traversal/);
  });

  it('an IPv6 ban covers the /64, in Redis, for every replica: placed by one address, seen and lifted by another or by the /64', async () => {
    const [a, b] = [stack.portcullis[0]!.adminUrl, stack.portcullis[1]!.adminUrl];
    const placed = await fetch(`${a}/admin/threat/bans`, { method: 'POST', body: JSON.stringify({ ip: '2001:db8:5:6::1', ttl_ms: 60_000, reason: 'manual' }) });
    assert.equal(placed.status, 201);
    assert.equal((await placed.json() as any).ip, '2001:db8:5:6::/64');
    const seen = await fetch(`${b}/admin/threat/bans?ip=${encodeURIComponent('2001:db8:5:6:aaaa::7')}`);
    assert.equal(seen.status, 200);
    const rec = await seen.json() as any;
    assert.deepEqual([rec.ip, rec.banned, rec.reason], ['2001:db8:5:6::/64', true, 'manual']);
    assert.equal((await fetch(`${b}/admin/threat/bans?ip=${encodeURIComponent('2001:db8:5:7::1')}`)).status, 404, 'the next /64');
    const lifted = await fetch(`${b}/admin/threat/bans?ip=${encodeURIComponent('2001:db8:5:6::/64')}`, { method: 'DELETE' });
    assert.equal(lifted.status, 200);
    assert.equal((await fetch(`${a}/admin/threat/bans?ip=2001:db8:5:6::1`)).status, 404);
  });

  it('geo blocking by the MaxMind database', async () => {
    const kp = await get('127.0.0.14', '/geo/page');
    assert.equal(kp.status, 403);
    assert.equal(kp.json().error, 'ERR_GEO_BLOCKED');
    assert.equal((await get('127.0.0.15', '/geo/page')).status, 200);
  });

  it('a spoofed X-Forwarded-For is ignored by default', async () => {
    assert.equal((await get('127.0.0.16', '/api/x')).json().error, 'ERR_IP_BLOCKED');
    // a blocked client cannot launder itself through XFF …
    const laundered = await get('127.0.0.16', '/api/x', { 'x-forwarded-for': '127.0.0.10' });
    assert.equal(laundered.status, 403);
    assert.equal(laundered.json().error, 'ERR_IP_BLOCKED');
    // … and a client cannot get another client blocked or geo-located by naming it
    assert.equal((await get('127.0.0.17', '/api/x', { 'x-forwarded-for': '127.0.0.16' })).status, 200);
    assert.equal((await get('127.0.0.15', '/geo/page', { 'x-forwarded-for': '127.0.0.14' })).status, 200);
  });

  it('a JSON body that repeats a name: the value JSON.parse drops is read too (a first-wins upstream would use it)', async () => {
    const benign = await post('127.0.0.23', '/api/notes', '{"name":"a","comment":"first","comment":"second"}');
    assert.equal(benign.status, 200, benign.body);
    const r = await post('127.0.0.23', '/api/notes', '{"name":"x","comment":"1\' UNION SELECT password FROM users--","comment":"ok"}');
    assert.equal(r.status, 403, r.body);
    assert.equal(r.json().error, 'ERR_THREAT');
    // on a route with a schema the repeat itself is refused: the schema saw only the last value
    const schema = await post('127.0.0.24', '/api/items', '{"name":"a","comment":"first","comment":"second"}');
    assert.equal(schema.status, 400, schema.body);
    assert.equal(schema.json().error, 'ERR_VALIDATION');
    assert.deepEqual(schema.json().violations.map((v: { where: string }) => v.where), ['body.comment']);
  });

  it('max_headers counts the client\'s headers, not the request line or what Envoy adds (x-request-id, x-forwarded-*)', async () => {
    // Host + the 4 browser headers of sendFrom + 1 = 6 header lines from the client
    const ok = await get('127.0.0.31', '/hdrs/a', { 'x-one': '1' });
    assert.equal(ok.status, 200, ok.body);
    const over = await get('127.0.0.31', '/hdrs/a', { 'x-one': '1', 'x-two': '2' });
    assert.equal(over.status, 400, over.body);
    assert.deepEqual(over.json().violations, [{ where: 'headers', message: 'too many headers (7 > 6)' }]);
  });

  it('a body that is not valid JSON on a JSON route → 400 with the violations', async () => {
    const r = await post('127.0.0.18', '/api/items', 'name=alice&comment=hi');
    assert.equal(r.status, 400, r.body);
    const body = r.json();
    assert.equal(body.error, 'ERR_VALIDATION');
    assert.match(body.violations[0].message, /not valid JSON/);
    const schema = await post('127.0.0.18', '/api/items', JSON.stringify({ comment: 'no name' }));
    assert.equal(schema.status, 400);
    assert.deepEqual(schema.json().violations, [{ where: 'body', message: 'missing required property "name"' }]);
    const type = await post('127.0.0.18', '/api/items', '{"name":"x"}', 'text/plain');
    assert.equal(type.status, 400);
    assert.match(type.json().violations[0].message, /content type "text\/plain" is not allowed/);
  });

  it('a score between throttle and block gets the rate-limit module\'s tighter limit (429), not a 403', async () => {
    const sus = "/sus/search?q=1'%20or%201=1--";
    const first = await get('127.0.0.19', sus);
    assert.equal(first.status, 200, first.body);
    const second = await get('127.0.0.19', sus);
    assert.equal(second.status, 429, second.body);
    assert.equal((await get('127.0.0.19', '/sus/search?q=shoes')).status, 200, 'unsuspicious requests keep the normal limit');
    assert.equal((await get('127.0.0.20', sus)).status, 200, 'another client has its own counter');
    await sleep(300);
    const ev = events.find((e) => e.client_ip === '127.0.0.19' && e.action === 'throttle');
    assert.ok(ev, 'a throttle event');
    assert.equal(ev.family, 'sqli');
  });

  const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
  /** Requests from `from` as Googlebot until `done` holds for `n` in a row (both replicas have decided), within 5 s. */
  async function asGooglebot(from: string, n: number, done: (r: Resp) => boolean): Promise<Resp[]> {
    const seen: Resp[] = [];
    let streak = 0;
    const started = Date.now();
    while (streak < n && Date.now() - started < 5000) {
      const r = await get(from, '/bots/page', { 'user-agent': GOOGLEBOT });
      seen.push(r);
      streak = done(r) ? streak + 1 : 0;
      if (streak === 0) await sleep(50);
    }
    assert.equal(streak, n, `statuses seen: ${seen.map((r) => r.status).join(' ')}`);
    return seen;
  }

  it('a Googlebot confirmed by reverse and forward DNS skips the bot signals', async () => {
    const seen = await asGooglebot('127.0.0.21', 4, (r) => r.status === 200 && r.json().headers['x-portcullis-risk-findings'] === undefined);
    assert.ok(seen.every((r) => r.status === 200), 'undecided while DNS answers: never refused');
    assert.ok(dns.queries.includes('PTR 21.0.0.127.in-addr.arpa'));
  });

  it('a Googlebot whose PTR name does not resolve back to it is refused once DNS has answered', async () => {
    const seen = await asGooglebot('127.0.0.22', 4, (r) => r.status === 403);
    assert.equal(seen[0]!.status, 200, 'the first request is not held for DNS');
    assert.equal(seen.at(-1)!.json().error, 'ERR_THREAT');
    const text = await (await fetch(`${stack.portcullis[0]!.adminUrl}/metrics`)).text() + await (await fetch(`${stack.portcullis[1]!.adminUrl}/metrics`)).text();
    assert.match(text, /portcullis_threat_bot_dns_lookups_total\{result="unconfirmed"\} [1-9]/);
  });

  it('security events are counted per family, action and mode on /metrics', async () => {
    const text = await (await fetch(`${stack.portcullis[0]!.adminUrl}/metrics`)).text() + await (await fetch(`${stack.portcullis[1]!.adminUrl}/metrics`)).text();
    assert.match(text, /portcullis_security_events_total\{family="sqli",action="block",mode="enforce"\} \d+/);
    assert.match(text, /portcullis_security_event_sink_delivered_total\{sink="webhook-0"\} \d+/);
  });
});
