import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnomalyTracker } from '../../../src/threat/anomaly.js';
import { botFindings, CadenceTracker, compileGoodBots, DEFAULT_GOOD_BOTS, type BotOptions } from '../../../src/threat/bot.js';
import { parseIp } from '../../../src/threat/ip/address.js';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import type { Finding } from '../../../src/pipeline/context.js';
import { checkRequest } from '../helpers.js';

const opts: BotOptions = {
  // no DNS verifier here: `domains` are not checked, so only googlebot (by CIDR) can be verified or refuted
  goodBots: compileGoodBots([{ token: 'googlebot', cidrs: ['66.249.64.0/19'] }, ...DEFAULT_GOOD_BOTS.filter((b) => b.token !== 'googlebot')]),
  automation: 0.3, missingUserAgent: 0.4, browserConsistency: true,
  cadence: { enabled: true, minRequests: 12, maxCv: 0.05, maxMeanMs: 10_000 },
};
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const BROWSER_HEADERS = { accept: 'text/html', 'accept-language': 'en', 'accept-encoding': 'gzip', 'sec-fetch-mode': 'navigate' };

function bot(headers: Record<string, string>, source = '192.0.2.1', cadence?: CadenceTracker, time?: number): Finding[] {
  const req = checkRequest({ headers, source });
  if (time !== undefined) req.attributes.request.time = { seconds: Math.floor(time / 1000), nanos: (time % 1000) * 1e6 };
  req.attributes.request.http.scheme = 'https';
  const ctx = buildContext(req, { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
  const out: Finding[] = [];
  botFindings(ctx, source, parseIp(source), opts, cadence, out);
  return out;
}

describe('bot signals', () => {
  it('attack tools and headless browsers by user agent', () => {
    assert.equal(bot({ 'user-agent': 'sqlmap/1.7.2#stable (https://sqlmap.org)' })[0]!.confidence, 0.95);
    assert.match(bot({ 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0 Safari/537.36', ...BROWSER_HEADERS })[0]!.detail!, /headless/);
  });

  it('HTTP libraries are a weak signal; no user agent is a finding', () => {
    assert.equal(bot({ 'user-agent': 'python-requests/2.31.0' })[0]!.confidence, 0.3);
    assert.equal(bot({})[0]!.detail, 'no user agent');
  });

  it('a browser user agent without the headers that browser always sends', () => {
    assert.deepEqual(bot({ 'user-agent': CHROME, ...BROWSER_HEADERS }), []);
    const f = bot({ 'user-agent': CHROME });
    assert.match(f[0]!.detail!, /without accept-language, accept-encoding, accept, sec-fetch-mode/);
  });

  it('good bots pass; a good bot claimed from outside its networks is a finding', () => {
    assert.deepEqual(bot({ 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }, '66.249.66.1'), []);
    assert.match(bot({ 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1)' }, '203.0.113.9')[0]!.detail!, /outside its networks/);
    assert.deepEqual(bot({ 'user-agent': 'Mozilla/5.0 (compatible; bingbot/2.0)' }), []);
  });

  it('the good bot a user agent names is remembered per good-bot list, never across lists', () => {
    const ua = 'Mozilla/5.0 (compatible; ExampleCrawler/1.0; partnerbot)';
    const trusted: BotOptions = { ...opts, goodBots: compileGoodBots([{ token: 'partnerbot' }]) };
    const fenced: BotOptions = { ...opts, goodBots: compileGoodBots([{ token: 'nosuchbot' }, { token: 'examplecrawler', cidrs: ['198.51.100.0/24'] }]) };
    const run = (o: BotOptions) => {
      const req = checkRequest({ headers: { 'user-agent': ua }, source: '203.0.113.9' });
      const ctx = buildContext(req, { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
      const out: Finding[] = [];
      botFindings(ctx, '203.0.113.9', parseIp('203.0.113.9'), o, undefined, out);
      return out.map((f) => f.detail);
    };
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(run(trusted), [], 'a claim with nothing to check it against is trusted');
      assert.deepEqual(run(fenced), ['claims to be examplecrawler from outside its networks', 'automation client bot']);
      assert.deepEqual(run(opts), ['automation client bot'], 'no good bot of the default list is named');
    }
  });

  it('a refuted claim waives nothing: the HTTP-library signal still counts', () => {
    const f = bot({ 'user-agent': 'python-requests/2.31 (compatible; Googlebot/2.1)' }, '203.0.113.9');
    assert.deepEqual(f.map((x) => x.confidence).sort(), [0.3, 0.85]);
  });

  it('a good-bot claim never hides an attack tool or a headless browser', () => {
    const tool = bot({ 'user-agent': 'sqlmap/1.7.2 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }, '66.249.66.1');
    assert.equal(tool[0]?.detail, 'attack tool sqlmap');
    const headless = bot({ 'user-agent': 'Mozilla/5.0 (compatible; bingbot/2.0) HeadlessChrome/120.0.0.0', ...BROWSER_HEADERS });
    assert.match(headless[0]?.detail ?? '', /headless browser/);
  });

  it('an unverifiable claim waives the weak signals only', () => {
    // slackbot has no cidrs and no domains: its claim is trusted for the HTTP-library and cadence signals
    assert.deepEqual(bot({ 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots) python-requests/2.31' }), []);
  });

  it('machine-regular cadence is a finding; human jitter is not', () => {
    const regular = new CadenceTracker();
    let last: Finding[] = [];
    for (let i = 0; i < 14; i++) last = bot({ 'user-agent': CHROME, ...BROWSER_HEADERS }, '192.0.2.50', regular, 1_700_000_000_000 + i * 1000);
    assert.match(last.find((f) => f.where === 'client')?.detail ?? '', /regular cadence/);
    const human = new CadenceTracker();
    const gaps = [900, 4000, 1200, 300, 7000, 2500, 800, 5000, 1500, 3300, 600, 2000, 4500];
    let t = 1_700_000_000_000;
    for (const g of gaps) { t += g; last = bot({ 'user-agent': CHROME, ...BROWSER_HEADERS }, '192.0.2.51', human, t); }
    assert.equal(last.find((f) => f.where === 'client'), undefined);
  });
});

describe('anomaly baselines', () => {
  const mk = () => new AnomalyTracker({ windowMs: 1000, maxClients: 3, spikeFactor: 5, spikeMinRequests: 20, distinctPaths: 10, probePaths: 3, authFailures: 4, authWindowMs: 60_000 });

  it('a rate spike against the client\'s own baseline', () => {
    const a = mk();
    let t = 0;
    for (let w = 0; w < 5; w++) for (let i = 0; i < 3; i++) a.observe('c', '/x', t + w * 1000 + i, []);
    t = 5000;
    const out: Finding[] = [];
    for (let i = 0; i < 30; i++) a.observe('c', '/x', t + i, out);
    assert.ok(out.some((f) => f.detail?.startsWith('rate spike')));
  });

  it('path enumeration and scanner paths', () => {
    const a = mk();
    const out: Finding[] = [];
    for (let i = 0; i < 12; i++) a.observe('d', `/api/item/${i}`, 10 + i, out);
    assert.ok(out.some((f) => f.detail?.startsWith('path enumeration')));
    const p: Finding[] = [];
    for (const path of ['/.env', '/wp-admin/', '/.git/config']) a.observe('e', path, 10, p);
    assert.ok(p.some((f) => f.detail === '3 scanner paths in one window'));
  });

  it('repeated authentication failures per client, forgotten after the window', () => {
    const a = mk();
    for (let i = 0; i < 4; i++) a.authFailure('f', 1000 + i);
    const out: Finding[] = [];
    a.observe('f', '/login', 2000, out);
    assert.ok(out.some((f) => f.detail === '4 failed authentications'));
    const later: Finding[] = [];
    a.observe('f', '/login', 100_000, later);
    assert.ok(!later.some((f) => f.detail?.includes('failed authentications')));
  });

  it('memory is bounded by max_clients', () => {
    const a = mk();
    for (let i = 0; i < 4; i++) a.authFailure('g', i);
    for (const c of ['h', 'i', 'j']) a.observe(c, '/', 10, []); // g is evicted (max 3 clients)
    const out: Finding[] = [];
    a.observe('g', '/', 20, out);
    assert.ok(!out.some((f) => f.detail?.includes('failed authentications')));
  });
});
