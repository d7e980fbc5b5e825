import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseIp } from '../../../src/threat/ip/address.js';
import { parseFeed } from '../../../src/threat/ip/feed-format.js';
import { ThreatFeed } from '../../../src/threat/ip/feeds.js';
import { silent } from '../helpers.js';

const SPAMHAUS = `; Spamhaus DROP List 2024/05/01 - (c) 2024 The Spamhaus Project
; Last-Modified: Wed, 01 May 2024 10:00:00 GMT
1.10.16.0/20 ; SBL256894
2.56.192.0/22 ; SBL459831
`;
const SPAMHAUS_JSON = `{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}
{"cidr":"2001:db8:bad::/48","sblid":"SBL1","rir":"ripencc"}
{"type":"metadata","timestamp":1714557600,"size":2,"records":2,"copyright":"(c) 2024 The Spamhaus Project SLU"}
`;
const FIREHOL = `#
# firehol_level1
# Maintainer      : FireHOL
#
0.0.0.0/8
5.188.10.0/23
203.0.113.66
`;

describe('threat feed formats', () => {
  it('reads Spamhaus DROP text and JSON-lines', () => {
    assert.equal(parseFeed(SPAMHAUS, 'spamhaus').cidrs.length, 2);
    const j = parseFeed(SPAMHAUS_JSON, 'spamhaus');
    assert.equal(j.cidrs.length, 2);
    assert.equal(j.invalidCount, 0);
  });

  it('reads FireHOL netsets and plain lists, counting what it cannot parse', () => {
    assert.equal(parseFeed(FIREHOL, 'firehol').cidrs.length, 3);
    const p = parseFeed('10.0.0.1\n# c\n\n192.0.2.0/24 trailing words\nnot-an-ip\n300.1.1.1\n', 'plain');
    assert.equal(p.cidrs.length, 2);
    assert.equal(p.invalidCount, 2);
    assert.equal(p.invalid[0]!.line, 5);
  });
});

describe('threat feed sanity', () => {
  it('refuses entries wider than an IPv4 /8 or an IPv6 /16 (0.0.0.0/0 would refuse every client)', () => {
    const p = parseFeed('0.0.0.0/0\n::/0\n2000::/3\n10.0.0.0/7\n::ffff:0.0.0.0/96\n10.0.0.0/8\n2001:db8::/16\n192.0.2.1\n', 'plain');
    assert.deepEqual(p.cidrs.map((c) => c.bits), [104, 16, 128]);
    assert.equal(p.tooBroad, 5);
    assert.equal(p.invalidCount, 5);
  });

  it('refuses an IPv6 entry that holds the whole IPv4 space (::/17, ::/80 cover ::ffff:0:0/96: every IPv4 client)', () => {
    const p = parseFeed('::/17\n::/80\n::/95\n0::ffff:0:0/100\n::/96\n::ffff:10.0.0.0/104\n2001:db8::/32\n', 'plain');
    assert.equal(p.tooBroad, 3);
    // ::/95 and ::/96 stop short of ::ffff:0:0 (no IPv4 client in them); ::ffff:10.0.0.0/104 is an IPv4 /8
    assert.deepEqual(p.cidrs.map((c) => c.bits), [95, 96, 104, 32]);
  });

  it('keeps the last good list when a new copy is mostly not addresses (an error page with one address in it)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'feeds-')), 'list.txt');
    writeFileSync(file, '192.0.2.0/24\n198.51.100.0/24\n');
    const f = new ThreatFeed({ name: 'list', source: file, format: 'plain', refreshMs: 60_000, timeoutMs: 1000, maxBytes: 1 << 20 }, silent);
    await f.refresh();
    assert.equal(f.has(parseIp('198.51.100.7')!), true);
    writeFileSync(file, '<html>\n<body>\n<p>Service unavailable</p>\n10.9.9.9\n</body>\n</html>\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await f.refresh();
    assert.equal(f.has(parseIp('198.51.100.7')!), true, 'the last good list stays');
    assert.equal(f.has(parseIp('10.9.9.9')!), false);
  });
});

describe('ThreatFeed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'feeds-'));
  let server: Server | undefined;
  after(() => server?.close());

  it('loads a file, reloads when it changes, keeps the last good list when the new one is garbage', async () => {
    const file = join(dir, 'drop.txt');
    writeFileSync(file, SPAMHAUS);
    const f = new ThreatFeed({ name: 'drop', source: file, format: 'spamhaus', refreshMs: 60_000, timeoutMs: 1000, maxBytes: 1 << 20 }, silent);
    assert.equal(f.has(parseIp('1.10.16.5')!), undefined, 'unknown before the first load');
    await f.refresh();
    assert.equal(f.has(parseIp('1.10.16.5')!), true);
    assert.equal(f.has(parseIp('8.8.8.8')!), false);
    writeFileSync(file, 'garbage\nmore garbage\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await f.refresh();
    assert.match(f.lastError ?? '', /no addresses/);
    assert.equal(f.has(parseIp('1.10.16.5')!), true, 'last good list kept');
    writeFileSync(file, '8.8.8.0/24\n');
    utimesSync(file, new Date(), new Date(Date.now() + 10000));
    await f.refresh();
    assert.equal(f.has(parseIp('8.8.8.8')!), true);
    assert.equal(f.has(parseIp('1.10.16.5')!), false);
  });

  it('fetches a URL with ETag revalidation and keeps the last good list on HTTP errors', async () => {
    let mode: 'ok' | 'fail' = 'ok';
    let conditional = 0;
    server = createServer((req, res) => {
      if (mode === 'fail') { res.writeHead(503); res.end(); return; }
      if (req.headers['if-none-match'] === '"v1"') { conditional++; res.writeHead(304); res.end(); return; }
      res.writeHead(200, { etag: '"v1"', 'content-type': 'text/plain' });
      res.end(FIREHOL);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/level1.netset`;
    const f = new ThreatFeed({ name: 'firehol', source: url, format: 'firehol', refreshMs: 60_000, timeoutMs: 2000, maxBytes: 1 << 20 }, silent);
    await f.refresh();
    assert.equal(f.has(parseIp('203.0.113.66')!), true);
    await f.refresh();
    assert.equal(conditional, 1, 'second load revalidated with If-None-Match');
    mode = 'fail';
    await f.refresh();
    assert.match(f.lastError ?? '', /HTTP 503/);
    assert.equal(f.has(parseIp('5.188.11.1')!), true, 'last good list kept');
  });

  it('refuses a feed larger than max_bytes', async () => {
    const file = join(dir, 'big.txt');
    writeFileSync(file, '10.0.0.1\n');
    const big = createServer((_req, res) => { res.writeHead(200); res.end('10.0.0.1\n'.repeat(1000)); });
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
    const f = new ThreatFeed({ name: 'big', source: `http://127.0.0.1:${(big.address() as AddressInfo).port}/`, format: 'plain', refreshMs: 60_000, timeoutMs: 2000, maxBytes: 1024 }, silent);
    await f.refresh();
    big.close();
    assert.equal(f.loaded, false);
    assert.match(f.lastError ?? '', /too large/);
  });
});
