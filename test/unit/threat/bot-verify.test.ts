import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BotDnsVerifier, DEFAULT_BOT_DNS, underDomain, type BotDnsOptions } from '../../../src/threat/bot-verify.js';
import { botFindings, compileGoodBots, DEFAULT_GOOD_BOTS, type BotOptions } from '../../../src/threat/bot.js';
import { parseIp } from '../../../src/threat/ip/address.js';
import { buildContext, DEFAULT_REQUEST_LIMITS } from '../../../src/pipeline/context-builder.js';
import type { Finding } from '../../../src/pipeline/context.js';
import { startTestDns, type TestDns } from '../../fixtures/threat/dns-server.js';
import { checkRequest } from '../helpers.js';

const GOOGLE = ['googlebot.com', 'google.com'];
const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

describe('forward-confirmed reverse DNS for good bots (loopback DNS server)', () => {
  let dns: TestDns;
  const verifier = (o: Partial<BotDnsOptions> = {}) => new BotDnsVerifier({ ...DEFAULT_BOT_DNS, servers: [dns.address], timeoutMs: 300, ...o });

  before(async () => {
    dns = await startTestDns({
      ptr: {
        '66.249.66.1': ['crawl-66-249-66-1.googlebot.com.'],
        // PTR says googlebot.com, but that name does not resolve back to this address
        '203.0.113.7': ['crawl-66-249-66-1.googlebot.com.'],
        // a name merely ending in "googlebot.com"
        '203.0.113.8': ['evilgooglebot.com.'],
        '2001:db8::5': ['crawl-v6.googlebot.com.'],
      },
      hosts: {
        'crawl-66-249-66-1.googlebot.com': ['66.249.66.1'],
        'evilgooglebot.com': ['203.0.113.8'],
        'crawl-v6.googlebot.com': ['2001:db8:0:0::5'],
      },
    });
  });
  after(() => dns.close());

  it('confirms an address whose PTR name is under the domain and resolves back to it', async () => {
    const v = verifier();
    assert.equal(v.verdict('66.249.66.1', GOOGLE), 'unknown', 'the first sight only starts the lookup');
    await v.settled();
    assert.equal(v.verdict('66.249.66.1', GOOGLE), 'confirmed');
    assert.equal(v.verdict('66.249.66.1', ['search.msn.com']), 'unconfirmed', 'a Google name does not verify Bingbot');
  });

  it('refutes a PTR name that does not resolve back, a look-alike domain, and an address without PTR', async () => {
    const v = verifier();
    for (const ip of ['203.0.113.7', '203.0.113.8', '198.51.100.4']) v.verdict(ip, GOOGLE);
    await v.settled();
    assert.equal(v.verdict('203.0.113.7', GOOGLE), 'unconfirmed');
    assert.equal(v.verdict('203.0.113.8', GOOGLE), 'unconfirmed');
    assert.equal(v.verdict('198.51.100.4', GOOGLE), 'unconfirmed');
  });

  it('IPv6 addresses compare canonically; IPv4-mapped IPv6 is looked up as IPv4', async () => {
    const v = verifier();
    v.verdict('2001:DB8::0:5', GOOGLE);
    v.verdict('::ffff:66.249.66.1', GOOGLE);
    await v.settled();
    assert.equal(v.verdict('2001:db8::5', GOOGLE), 'confirmed');
    assert.equal(v.verdict('66.249.66.1', GOOGLE), 'confirmed');
  });

  it('answers are cached: one lookup per address', async () => {
    const v = verifier();
    const before = dns.queries.length;
    v.verdict('66.249.66.1', GOOGLE);
    await v.settled();
    for (let i = 0; i < 20; i++) assert.equal(v.verdict('66.249.66.1', GOOGLE), 'confirmed');
    assert.equal(dns.queries.length - before, 2, 'one PTR and one A query');
  });

  it('a failing or silent resolver leaves the claim undecided, not refuted, and is not retried at once', async () => {
    for (const mode of ['servfail', 'silent'] as const) {
      dns.mode = mode;
      try {
        const v = verifier({ timeoutMs: 100 });
        v.verdict('66.249.66.1', GOOGLE);
        await v.settled();
        const n = dns.queries.length;
        assert.equal(v.verdict('66.249.66.1', GOOGLE), 'unknown', mode);
        assert.equal(dns.queries.length, n, `${mode}: the error is cached`);
      } finally { dns.mode = 'answer'; }
    }
  });

  it('lookups in flight are bounded', async () => {
    dns.mode = 'silent';
    try {
      const v = verifier({ timeoutMs: 200, maxInFlight: 2 });
      for (let i = 1; i <= 10; i++) v.verdict(`198.51.100.${i}`, GOOGLE);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(new Set(dns.queries.slice(-10).filter((q) => q.includes('100.51.198'))).size <= 2, true);
      await v.settled();
    } finally { dns.mode = 'answer'; }
  });

  it('domains match on a label boundary', () => {
    assert.equal(underDomain('crawl-1.googlebot.com', 'googlebot.com'), true);
    assert.equal(underDomain('googlebot.com', 'googlebot.com'), true);
    assert.equal(underDomain('evilgooglebot.com', 'googlebot.com'), false);
    assert.equal(underDomain('googlebot.com.evil.net', 'googlebot.com'), false);
  });

  it('through botFindings: verified Googlebot passes, a refuted one is a finding, an undecided one waives nothing', async () => {
    const opts: BotOptions = {
      goodBots: compileGoodBots(DEFAULT_GOOD_BOTS), dns: verifier(),
      automation: 0.3, missingUserAgent: 0.4, browserConsistency: true,
      cadence: { enabled: false, minRequests: 12, maxCv: 0.05, maxMeanMs: 10_000 },
    };
    const run = (ip: string): Finding[] => {
      const ctx = buildContext(checkRequest({ headers: { 'user-agent': GOOGLEBOT_UA }, source: ip }), { limits: DEFAULT_REQUEST_LIMITS, trustedHops: 0 });
      const out: Finding[] = [];
      botFindings(ctx, ip, parseIp(ip), opts, undefined, out);
      return out;
    };
    // undecided: the UA's "bot" token is the HTTP-library signal, nothing more
    assert.deepEqual(run('66.249.66.1').map((f) => f.confidence), [0.3]);
    assert.deepEqual(run('203.0.113.7').map((f) => f.confidence), [0.3]);
    await opts.dns!.settled();
    assert.deepEqual(run('66.249.66.1'), []);
    const fake = run('203.0.113.7');
    assert.equal(fake[0]?.confidence, 0.85);
    assert.match(fake[0]?.detail ?? '', /claims to be googlebot but reverse DNS does not confirm it/);
  });
});
