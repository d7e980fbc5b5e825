import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalIp, formatIp, parseCidr, parseIp } from '../../../src/threat/ip/address.js';
import { PrefixTrie } from '../../../src/threat/ip/trie.js';

function trie(...cidrs: string[]): PrefixTrie<string> {
  const t = new PrefixTrie<string>();
  for (const c of cidrs) { const p = parseCidr(c)!; assert.ok(p, c); t.insert(p.bytes, p.bits, c); }
  return t;
}

describe('IP addresses', () => {
  it('parses IPv4, IPv6, IPv4-mapped IPv6, brackets and zones into one 128-bit space', () => {
    assert.equal(formatIp(parseIp('10.1.2.3')!), '10.1.2.3');
    assert.equal(formatIp(parseIp('::ffff:10.1.2.3')!), '10.1.2.3');
    assert.equal(formatIp(parseIp('[2001:db8::1]')!), '2001:db8::1');
    assert.equal(formatIp(parseIp('fe80::1%eth0')!), 'fe80::1');
    assert.equal(canonicalIp('::FFFF:192.0.2.1'), '192.0.2.1');
  });

  it('rejects what is not an address (including non-decimal IPv4 forms)', () => {
    for (const bad of ['', 'abc', '1.2.3', '0x7f.1', '256.1.1.1', '1.2.3.4.5', '::ffff:1.2.3', 'localhost']) assert.equal(parseIp(bad), undefined, bad);
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/x', '10.0.0.0/-1']) assert.equal(parseCidr(bad), undefined, bad);
  });
});

describe('prefix trie', () => {
  const t = trie('10.0.0.0/8', '10.1.0.0/16', '192.0.2.7', '2001:db8::/32', '::ffff:198.51.100.0/120');

  it('returns the longest matching prefix', () => {
    assert.equal(t.lookup(parseIp('10.2.3.4')!), '10.0.0.0/8');
    assert.equal(t.lookup(parseIp('10.1.3.4')!), '10.1.0.0/16');
    assert.equal(t.lookup(parseIp('192.0.2.7')!), '192.0.2.7');
    assert.equal(t.lookup(parseIp('192.0.2.8')!), undefined);
  });

  it('matches IPv6 and IPv4-mapped IPv6 against IPv4 entries', () => {
    assert.equal(t.lookup(parseIp('2001:db8:1::5')!), '2001:db8::/32');
    assert.equal(t.lookup(parseIp('2001:db9::1')!), undefined);
    assert.equal(t.lookup(parseIp('::ffff:10.9.9.9')!), '10.0.0.0/8');
    assert.equal(t.lookup(parseIp('198.51.100.42')!), '::ffff:198.51.100.0/120');
  });

  it('a /0 entry matches everything of its family space and sizes count entries', () => {
    const all = trie('0.0.0.0/0');
    assert.ok(all.has(parseIp('203.0.113.1')!));
    assert.ok(!all.has(parseIp('2001:db8::1')!));
    assert.equal(t.size, 5);
  });

  it('holds thousands of prefixes', () => {
    const big = new PrefixTrie<true>();
    for (let i = 0; i < 5000; i++) big.insert(parseCidr(`10.${(i >> 8) & 255}.${i & 255}.0/24`)!.bytes, 96 + 24, true);
    assert.equal(big.size, 5000);
    assert.ok(big.has(parseIp('10.19.135.77')!));
    assert.ok(!big.has(parseIp('10.200.0.1')!));
  });
});
