// Seeded fuzz of threat feed downloads (src/threat/ip/feeds.ts) from a hostile server
// (test/unit/fuzz-remote/hostile-http.ts): random JSON, truncated and mutated lists, HTML error pages,
// error statuses, wrong content types, bodies past max_bytes, a gzip bomb, slow-loris bodies, redirects
// (loops, to a closed loopback port, to file:). Oracles: refresh() never rejects and returns within the
// timeout (awaited); an answer without one address line never replaces the last good list (its addresses
// still match); a failed load is counted (portcullis_threat_feed_loads_total{result="error"}); a feed never
// loaded answers "unknown" (undefined), never "not listed"; logs name the feed and never carry the feed's
// authorization header.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { parseIp } from '../../../src/threat/ip/address.js';
import { ThreatFeed } from '../../../src/threat/ip/feeds.js';
import { registry } from '../../../src/telemetry/metrics.js';
import { hostilePlan, writePlan, type Plan } from '../fuzz-remote/hostile-http.js';
import { fixtureServer } from '../identity/helpers.js';
import { Rng } from '../pipeline/fuzz/prng.js';

const ROUNDS = Number(process.env.PORTCULLIS_FUZZ_N ?? 60);
const GOOD = '# firehol_level1\n5.188.10.0/23\n203.0.113.66\n2001:db8:bad::/48\n';
const TOKEN = 'feed-t0ken-never-in-logs-0123456789';
const ADDRESS_LINE = /^\s*(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-f:]+:[0-9a-f:]*(\/\d{1,3})?)\s*([;#].*)?$/im;

async function loads(result: string): Promise<number> {
  const m = registry.getSingleMetric('portcullis_threat_feed_loads_total');
  const v = await m!.get();
  return v.values.filter((x) => x.labels.feed === 'fuzz' && x.labels.result === result).reduce((a, x) => a + x.value, 0);
}

describe('threat feeds under hostile servers', () => {
  let plan: Plan;
  let served = '';
  let srv: Awaited<ReturnType<typeof fixtureServer>>;
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
  before(async () => { srv = await fixtureServer((_req, res) => { served = Buffer.isBuffer(plan.body) ? plan.body.toString('utf8') : ''; writePlan(res, plan); }); });
  after(async () => { await srv?.close(); });

  const mutate = (r: Rng): string => r.pick([
    '<html>502</html>', '10.0.0.1'.repeat(100), '999.1.1.1\n1.2.3\n', '0x7f000001\n', '5.188.10.0/33\n', '::ffff:\n', '\u0000\n\u202e1.2.3.4\n',
    `${GOOD}\n${'x'.repeat(200)}\n`, GOOD.replace(/\n/g, '\r'), '{"cidr": 7}\n', GOOD.split('\n').reverse().join('\n'),
  ]);

  it(`${ROUNDS} hostile answers: the last good list stays unless the answer had addresses; failures counted; token never logged`, async () => {
    const r = new Rng(0xfeed01);
    const cfg = { name: 'fuzz', source: `${srv.url}/level1.netset`, format: 'firehol' as const, refreshMs: 600_000, timeoutMs: 250, maxBytes: 64 * 1024, headers: { authorization: `Bearer ${TOKEN}` } };
    const good = () => ({ what: 'good', status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(GOOD) });
    const feed = new ThreatFeed(cfg, logger);
    plan = good();
    await feed.refresh();
    assert.equal(feed.has(parseIp('203.0.113.66')!), true);
    const problems: string[] = [];
    for (let i = 0; i < ROUNDS && problems.length < 10; i++) {
      plan = hostilePlan(r, GOOD, mutate, cfg.maxBytes);
      const [ok0, err0] = [await loads('ok'), await loads('error')];
      await feed.refresh();
      const [ok1, err1] = [await loads('ok'), await loads('error')];
      const accepted = ok1 > ok0;
      if (!accepted && err1 !== err0 + 1 && plan.status !== 304) problems.push(`#${i} ${plan.what}: a failed load not counted`);
      if (accepted && !(plan.status >= 200 && plan.status < 300 && ADDRESS_LINE.test(served))) problems.push(`#${i} ${plan.what}: accepted ${JSON.stringify(served.slice(0, 80))} (HTTP ${plan.status})`);
      if (!accepted && feed.has(parseIp('203.0.113.66')!) !== true) problems.push(`#${i} ${plan.what}: the last good list was lost`);
      if (accepted) { plan = good(); await feed.refresh(); }
      if (i % 4 === 0) {
        const f = new ThreatFeed(cfg, logger);
        plan = hostilePlan(r, GOOD, mutate, cfg.maxBytes);
        await f.refresh();
        if (!f.loaded && f.has(parseIp('8.8.8.8')!) !== undefined) problems.push(`#${i} ${plan.what}: a feed never loaded answers "not listed"`);
      }
    }
    assert.deepEqual(problems, []);
    for (const l of lines) assert.ok(!l.includes(TOKEN), `a log line carries the feed's token: ${l.slice(0, 200)}`);
    assert.ok(lines.some((l) => l.includes('"feed":"fuzz"') && l.includes('load failed')), 'failures are logged with the feed name');
  });
});
