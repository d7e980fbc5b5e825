import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigLoadError } from '../../../src/config/errors.js';
import type { ThreatModule } from '../../../src/threat/module.js';
import { country, writeMmdb } from '../../fixtures/threat/mmdb-writer.js';
import { parseConfig } from '../../../src/config/loader.js';
import { check } from '../../../src/pipeline/check.js';
import { buildRuntime } from '../../../src/pipeline/runtime.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { StoreUnavailableError } from '../../../src/store/types.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { checkRequest, decide, denyBody, runtimeFrom, silent, upstreamHeaders } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'threat-mod-'));
const UA = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', accept: '*/*', 'accept-language': 'en', 'accept-encoding': 'gzip' };

async function rt(threatYaml: string, routesYaml = '  - name: api\n    match: { path: { prefix: / } }\n') {
  const r = await runtimeFrom(`default_action: { action: deny }\nthreat:\n${threatYaml}\nroutes:\n${routesYaml}`);
  await r.modules.get('threat')!.start?.();
  return r;
}
const mod = (r: Awaited<ReturnType<typeof rt>>) => r.modules.get('threat') as ThreatModule;

describe('threat module through the Check path', () => {
  it('blocks an injection with 403 ERR_THREAT, bans the client, and refuses its next request', async () => {
    const r = await rt('  ban: { ttl_ms: 60000 }\n  events: { log: false }');
    const attack = await decide(r, { path: "/search?q=1'%20OR%20'1'%3D'1", headers: UA, source: '198.51.100.20' });
    assert.equal(attack.denied_response.status.code, 403);
    assert.equal(denyBody(attack).error, 'ERR_THREAT');
    await new Promise((res) => setTimeout(res, 20));
    const next = await decide(r, { path: '/search?q=shoes', headers: UA, source: '198.51.100.20' });
    assert.equal(denyBody(next).error, 'ERR_BANNED');
    const other = await decide(r, { path: '/search?q=shoes', headers: UA, source: '198.51.100.21' });
    assert.ok(other.ok_response, 'another client is not affected');
    await mod(r).close();
  });

  it('detect mode logs an event and lets the request through', async () => {
    const file = join(dir, 'detect.jsonl');
    const r = await rt(`  mode: detect\n  events: { log: false, sinks: [ { type: file, path: ${file}, flush_ms: 5 } ] }`);
    const resp = await decide(r, { method: 'POST', path: '/items', body: JSON.stringify({ comment: '<script>alert(1)</script>' }), headers: { ...UA, 'content-type': 'application/json' }, source: '198.51.100.30' });
    assert.ok(resp.ok_response, 'allowed in detect mode');
    await mod(r).state.events.flush();
    const ev = JSON.parse(readFileSync(file, 'utf8').trim().split('\n')[0]!);
    assert.equal(ev.family, 'xss');
    assert.equal(ev.where, 'body.$.comment');
    assert.equal(ev.action, 'block');
    assert.equal(ev.mode, 'detect');
    assert.equal(ev.client_ip, '198.51.100.30');
    assert.equal(ev.decision_id, resp.dynamic_metadata.fields.decision_id.stringValue);
    assert.ok(!JSON.stringify(ev).includes('<script>'), 'the raw payload is not in the event');
    await mod(r).close();
  });

  it('throttle: marks the request for the rate-limit module; upstream header carries the score', async () => {
    const r = await rt('  upstream_header: true\n  events: { log: false }\n  scoring: { block: 0.95, throttle: 0.5 }');
    const resp = await decide(r, { path: "/s?q=1' or 1=1--", headers: UA, source: '198.51.100.40' });
    assert.ok(resp.ok_response, 'below the block threshold');
    const h = upstreamHeaders(resp);
    assert.ok(Number(h['x-portcullis-risk-score']) >= 0.5);
    assert.match(h['x-portcullis-risk-findings']!, /sqli@query\.q/);
    const clean = await decide(r, { path: '/s?q=shoes', headers: UA, source: '198.51.100.41' });
    assert.equal(upstreamHeaders(clean)['x-portcullis-risk-score'], '0');
    // a client cannot send its own risk headers upstream
    const spoof = await decide(r, { path: '/s?q=shoes', headers: { ...UA, 'x-portcullis-risk-score': '0' }, source: '198.51.100.42' });
    assert.equal(upstreamHeaders(spoof)['x-portcullis-risk-score'], '0');
    await mod(r).close();
  });

  it('IP block list, route allow list, geo rules and the decision codes', async () => {
    const geo = join(dir, 'geo.mmdb');
    writeMmdb(geo, [['203.0.113.0/24', country('KP', 'North Korea')], ['198.51.100.0/24', country('DE', 'Germany')]]);
    const r = await rt(`  ip: { block: [192.0.2.0/24, "2001:db8:bad::/48"] }\n  geo: { database: ${geo} }\n  events: { log: false }`,
      '  - name: geo\n    match: { path: { prefix: /geo } }\n    threat: { geo: { deny_countries: [KP] } }\n  - name: partner\n    match: { path: { prefix: /partner } }\n    threat: { ip: { allow: [192.0.2.10] } }\n  - name: api\n    match: { path: { prefix: / } }\n');
    assert.equal(denyBody(await decide(r, { path: '/x', headers: UA, source: '192.0.2.5' })).error, 'ERR_IP_BLOCKED');
    assert.equal(denyBody(await decide(r, { path: '/x', headers: UA, source: '2001:db8:bad::1' })).error, 'ERR_IP_BLOCKED');
    assert.ok((await decide(r, { path: '/partner/x', headers: UA, source: '192.0.2.10' })).ok_response, 'allow list wins on its route');
    assert.equal(denyBody(await decide(r, { path: '/geo/x', headers: UA, source: '203.0.113.8' })).error, 'ERR_GEO_BLOCKED');
    assert.ok((await decide(r, { path: '/geo/x', headers: UA, source: '198.51.100.8' })).ok_response);
    await mod(r).close();
  });

  it('validation (400 with violations) and CSRF (403) per route', async () => {
    const r = await rt('  events: { log: false }', [
      '  - name: items', '    match: { path: { prefix: /items } }', '    threat:',
      '      validation: { content_types: [application/json], schemas: { POST: { type: object, required: [name], properties: { name: { type: string } } } } }',
      '      csrf: { allowed_origins: ["https://app.example.com"] }',
      '',
    ].join('\n'));
    const bad = await decide(r, { method: 'POST', path: '/items', body: 'name=x', headers: { ...UA, 'content-type': 'application/json' }, source: '198.51.100.50' });
    assert.equal(bad.denied_response.status.code, 400);
    const body = denyBody(bad);
    assert.equal(body.error, 'ERR_VALIDATION');
    assert.match(body.violations[0].message, /not valid JSON/);
    const missing = denyBody(await decide(r, { method: 'POST', path: '/items', body: '{}', headers: { ...UA, 'content-type': 'application/json' }, source: '198.51.100.50' }));
    assert.deepEqual(missing.violations, [{ where: 'body', message: 'missing required property "name"' }]);
    const csrf = await decide(r, { method: 'POST', path: '/items', body: '{"name":"x"}', headers: { ...UA, 'content-type': 'application/json', cookie: 'sid=1', origin: 'https://evil.example' }, source: '198.51.100.51' });
    assert.equal(denyBody(csrf).error, 'ERR_CSRF');
    const ok = await decide(r, { method: 'POST', path: '/items', body: '{"name":"x"}', headers: { ...UA, 'content-type': 'application/json', cookie: 'sid=1', origin: 'https://app.example.com' }, source: '198.51.100.51' });
    assert.ok(ok.ok_response);
    await mod(r).close();
  });

  it('401 decisions feed the per-client auth-failure baseline, which becomes a finding on later requests', async () => {
    const r = await rt('  events: { log: false }\n  upstream_header: true\n  anomaly: { auth_failures: 3 }');
    const m = mod(r);
    for (let i = 0; i < 3; i++) {
      m.onDecision({ allowed: false, code: 'ERR_JWT_EXPIRED', deny: { status: 401 } as any, ctx: { facts: { 'threat.ip': '198.51.100.60' }, client: { ip: '198.51.100.60' }, time: Date.now() } as any, seconds: 0 });
    }
    const resp = await decide(r, { path: '/login', headers: UA, source: '198.51.100.60' });
    assert.ok(resp.ok_response);
    assert.match(upstreamHeaders(resp)['x-portcullis-risk-findings'] ?? '', /anomaly@client/);
    const other = await decide(r, { path: '/login', headers: UA, source: '198.51.100.61' });
    assert.doesNotMatch(upstreamHeaders(other)['x-portcullis-risk-findings'] ?? '', /anomaly/);
    await m.close();
  });
});

describe('threat config errors name the path', () => {
  const load = async (threat: string, routes = '  - name: api\n    match: { path: { prefix: / } }\n') => {
    try { await runtimeFrom(`threat:\n${threat}\nroutes:\n${routes}`); return ''; } catch (e) { assert.ok(e instanceof ConfigLoadError, String(e)); return e.message; }
  };
  it('bad CIDRs, missing feed files, geo rules without a database, bad schemas, bad thresholds', async () => {
    assert.match(await load('  ip: { block: [10.0.0.0/8, "999.1.1.1"] }'), /\/threat\/ip\/block\/1: "999.1.1.1" is not an IP address or CIDR/);
    assert.match(await load(`  feeds: [ { name: drop, file: ${join(dir, 'missing.txt')}, format: spamhaus } ]`), /\/threat\/feeds\/0\/file: cannot load threat feed: .*ENOENT/);
    assert.match(await load('  mode: enforce', '  - name: api\n    threat: { geo: { deny_countries: [KP] } }\n'), /\/routes\/0\/threat\/geo: geo rules need a database/);
    assert.match(await load('  mode: enforce', '  - name: api\n    threat: { validation: { schemas: { POST: { type: nope } } } }\n'), /\/routes\/0\/threat\/validation\/schemas\/POST: invalid JSON Schema/);
    assert.match(await load('  scoring: { block: 0.5, throttle: 0.7 }'), /\/threat\/scoring\/throttle: throttle \(0.7\) must not be above block/);
    assert.match(await load('  feeds: [ { name: x, format: plain } ]'), /\/threat\/feeds\/0/);
    assert.match(await load('  unknown_key: 1'), /unknown key "unknown_key"/);
    writeFileSync(join(dir, 'ok.txt'), '10.0.0.0/8\n');
    assert.equal(await load(`  feeds: [ { name: ok, file: ${join(dir, 'ok.txt')}, format: plain } ]`), '');
  });
});

describe('when the store cannot say whether a client is banned', () => {
  const broken = () => { const s = new MemoryStore(); s.get = async () => { throw new StoreUnavailableError('redis: command timed out'); }; return s; };
  const failOpen = async () => Number((await registry.getSingleMetric('portcullis_fail_open_total')!.get()).values.find((v) => v.labels.stage === 'threat_bans')?.value ?? 0);

  it('fails closed with 503 by default, and open (counted) with on_store_error: allow', async () => {
    const closed = await buildRuntime(parseConfig('threat: { events: { log: false } }\nroutes: [ { name: api } ]\n', 't.yaml', {}), broken(), silent);
    const r1 = await check(closed, checkRequest({ path: '/x', headers: UA, source: '198.51.100.70' }), silent);
    assert.equal(r1.denied_response.status.code, 503);
    assert.equal(JSON.parse(r1.denied_response.body).error, 'ERR_UNAVAILABLE');
    const open = await buildRuntime(parseConfig('threat: { ban: { on_store_error: allow }, events: { log: false } }\nroutes: [ { name: api } ]\n', 't.yaml', {}), broken(), silent);
    const before = await failOpen();
    const r2 = await check(open, checkRequest({ path: '/x', headers: UA, source: '198.51.100.71' }), silent);
    assert.ok(r2.ok_response);
    assert.equal(await failOpen(), before + 1);
  });
});
