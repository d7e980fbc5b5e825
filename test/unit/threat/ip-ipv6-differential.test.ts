// parseIp / formatIp / clientIpKey (hand-written scanners, src/common/ipv6-text.ts) against the ipaddr.js
// implementations they replaced (ip-reference.ts): the same accept/refuse answer and the same bytes and text,
// on edge cases and on random valid addresses in every written form plus random mutations of them.
import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import { describe, it } from 'node:test';
import { formatIp, parseIp } from '../../../src/threat/ip/address.js';
import { clientIpKey } from '../../../src/ratelimit/check/key-parts.js';
import { refClientIpKey, refFormatIp, refParseIp } from './ip-reference.js';

const show = (b: Uint8Array | undefined) => (b ? Array.from(b).join(',') : 'refused');
const PREFIXES = [0, 1, 7, 8, 32, 48, 56, 63, 64, 65, 96, 112, 127, 128];

function same(s: string, prefix = 64): void {
  const want = refParseIp(s);
  const got = parseIp(s);
  assert.equal(show(got), show(want), `parseIp(${JSON.stringify(s)})`);
  if (want) assert.equal(formatIp(got!), refFormatIp(want), `formatIp(parseIp(${JSON.stringify(s)}))`);
  assert.equal(clientIpKey(s, prefix), refClientIpKey(s, prefix), `clientIpKey(${JSON.stringify(s)}, ${prefix})`);
}

const EDGE = [
  '', ' ', ':', '::', ':::', '::::', '::1', '1::', '1::1', '::1::', '1::2::3', '1:::2', ':1::', '1::2:',
  '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:', ':1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:',
  '1::3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::2:3:4:5:6:7:8', '::1:2:3:4:5:6:7:8', '1:2:3:4::5:6:7:8',
  '0000:0000:0000:0000:0000:0000:0000:0001', '00000::1', '12345::', 'ffff::FFFF', 'FFFF:ffff:FfFf:fFfF:0:0:0:0',
  '2001:DB8::1', '2001:0db8:0000:0000:0000:ff00:0042:8329', 'g::1', '::g', '2001:db8::1 ', ' 2001:db8::1', '\t::1\n',
  '[2001:db8::1]', '[2001:db8::1', '2001:db8::1]', '[[::1]]', 'fe80::1%eth0', 'fe80::1%', 'fe80::1%eth0.5', '%eth0', '[fe80::1%eth0]',
  '::ffff:1.2.3.4', '::FFFF:1.2.3.4', '::ffff:255.255.255.255', '::ffff:1.2.3', '::ffff:1.2.3.256', '::ffff:1.2.3.4.5',
  '::ffff:01.2.3.4', '::ffff:001.002.003.004', '::ffff:0x1.2.3.4', '::ffff:0X1f.2.3.4', '::ffff:0x.2.3.4', '::ffff:0x100.2.3.4',
  '::ffff:1.2.3.-1', '::ffff:1..3.4', '::ffff:.1.2.3', '::ffff:1.2.3.4.', '::ffff:1e1.2.3.4', '::ffff:00000000001.2.3.4',
  '::1.2.3.4', '::0.0.0.0', '::255.255.255.255', '::01.2.3.4', '::0x7f.0.0.1', '::1.2.3', '0::1.2.3.4', '0:0:0:0:0:0:1.2.3.4',
  '64:ff9b::1.2.3.4', '64:ff9b::192.0.2.33', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:1.2.3.4', '1:2:3:4:5::1.2.3.4',
  '1::2:3:4:5:1.2.3.4', '1:2:3:4:5:6::1.2.3.4', '1.2.3.4::', '::1.2.3.4:1', '1.2.3.4:5::', ':::1.2.3.4', '::1::1.2.3.4', '::ffff:1.2.3.4%eth0',
  '１::1', '::١', '::ffff:١.2.3.4', '::\u212a', '::ſ', 'fe80::1%\u212a', 'fe80::1%e\u0130', '::1\u0000', '::a\u00a0', '\u00a0::1\u00a0', '\u2028::1',
  '1.2.3.4', '01.2.3.4', '1.2.3', ' 1.2.3.4 ', '[1.2.3.4]', '1.2.3.4%x', '256.0.0.1', '0x7f.0.0.1',
  'a'.repeat(46), `${'0:'.repeat(22)}0`, '0000:0000:0000:0000:0000:0000:255.255.255.255', '0000:0000:0000:0000:0000:ffff:255.255.255.255',
];

describe('IPv6 text scanner agrees with ipaddr.js (parseIp, formatIp, clientIpKey)', () => {
  it('on edge cases', () => {
    for (const s of EDGE) for (const p of [64, 48, 128]) same(s, p);
  });

  // a deterministic PRNG: a failure names its input and reproduces
  let seed = 0x5eed;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;
  const word = () => (rnd(3) === 0 ? 0 : rnd(4) === 0 ? rnd(16) : rnd(4) === 0 ? 0xffff : rnd(0x10000));
  const hex = (w: number) => {
    let h = w.toString(16);
    if (rnd(4) === 0) h = h.padStart(1 + rnd(4), '0');
    if (rnd(3) === 0) h = h.toUpperCase();
    else if (rnd(5) === 0) h = [...h].map((c) => (rnd(2) ? c.toUpperCase() : c)).join('');
    return h;
  };
  const octet = () => String(rnd(5) === 0 ? pick([0, 255, 256, 999]) : rnd(256));
  const v4 = () => `${octet()}.${octet()}.${octet()}.${octet()}`;

  /** A valid address written in one of its forms: full, `::` anywhere a run of zeros is, IPv4 tail. */
  function validForm(): string {
    const ws = Array.from({ length: 8 }, word);
    const tail = rnd(4) === 0;
    if (tail && rnd(3) === 0) { ws[0] = 0; ws[1] = 0; ws[2] = 0; ws[3] = 0; ws[4] = 0; ws[5] = pick([0, 0xffff]); }
    if (tail && rnd(4) === 0) { ws[0] = 0x64; ws[1] = 0xff9b; ws[2] = 0; ws[3] = 0; ws[4] = 0; ws[5] = 0; }
    const n = tail ? 6 : 8;
    const groups = ws.slice(0, n).map(hex);
    const end = tail ? [`${ws[6]! >>> 8}.${ws[6]! & 255}.${ws[7]! >>> 8}.${ws[7]! & 255}`] : [];
    // every zero run (also of one group) may be the `::`
    const runs: [number, number][] = [];
    for (let k = 0; k < n;) {
      if (ws[k] !== 0) { k++; continue; }
      let e = k; while (e < n && ws[e] === 0) e++;
      runs.push([k, e]); k = e;
    }
    if (runs.length > 0 && rnd(4) !== 0) {
      const [a, e] = pick(runs);
      const b = a + rnd(e - a) , c = b + 1 + rnd(e - b);
      return `${groups.slice(0, b).join(':')}::${[...groups.slice(c), ...end].join(':')}`;
    }
    return [...groups, ...end].join(':');
  }

  const MUTANTS = [':', '::', ':::', '.', '0', 'f', 'F', 'g', 'x', '0x', '%', '%eth0', '[', ']', ' ', '\t', '\n', '1.2.3', '1.2.3.256',
    '01.2.3.4', '12345', '00000', '１', '١', '\u212a', '\u00a0', 'ſ', '-', '/64'];
  function mutate(s: string): string {
    const at = rnd(s.length + 1);
    switch (rnd(9)) {
      case 0: return s.slice(0, at) + pick(MUTANTS) + s.slice(at);             // insert
      case 1: return s.slice(0, at) + s.slice(at + 1);                           // delete
      case 2: return s.slice(0, at) + pick(MUTANTS) + s.slice(at + 1);           // replace
      case 3: return `${s}:${hex(word())}`;                                      // one group more
      case 4: return s.replace(/^[0-9a-f]+:/i, '');                             // one group less
      case 5: return s.replace(/::/, ':') ;                                       // `::` → `:`
      case 6: return `${s.slice(0, at)}:${s.slice(at)}`.replace(/(\d+\.\d+\.\d+\.\d+)$/, () => pick(['1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4.5', '0x10.1.1.1', v4()]));
      case 7: return pick(['[', ' ', '']) + s + pick([']', ' ', '%eth0', '%', '']);
      default: return s.replace(/[0-9a-f]+$/i, (g) => `${g}${'0'.repeat(1 + rnd(2))}`); // a group grows
    }
  }

  it('on 120,000 random addresses and mutations of them', () => {
    let accepted = 0, refused = 0;
    for (let i = 0; i < 120_000; i++) {
      let s = validForm();
      for (let m = rnd(4); m > 0; m--) s = mutate(s);
      if (i % 10 === 0) s = v4();
      same(s, pick(PREFIXES));
      if (refParseIp(s)) accepted++; else refused++;
    }
    // the corpus exercises both answers in earnest (not all refused by a generator bug, nor all accepted)
    assert.ok(accepted > 30_000 && refused > 30_000, `accepted ${accepted}, refused ${refused}`);
  });

  it('formatIp on random 16 bytes (zero runs of every length and place) as ipaddr.js prints them', () => {
    for (let i = 0; i < 50_000; i++) {
      const b = new Uint8Array(16);
      for (let k = 0; k < 8; k++) if (rnd(2)) { b[2 * k] = rnd(3) ? 0 : rnd(256); b[2 * k + 1] = rnd(256); }
      if (rnd(20) === 0) { b.fill(0); b[10] = 0xff; b[11] = 0xff; b[12] = rnd(256); }
      assert.equal(formatIp(b), refFormatIp(b), show(b));
    }
  });
});

describe('where ipaddr.js and node:net isIPv6 disagree, parseIp keeps ipaddr.js\'s answer', () => {
  it('IPv4 tail with leading zeros or in hex: accepted, read as decimal / hex', () => {
    assert.equal(isIPv6('::ffff:01.2.3.4'), false);
    assert.equal(formatIp(parseIp('::ffff:01.2.3.4')!), '1.2.3.4');
    assert.equal(isIPv6('::ffff:0x7f.0.0.1'), false);
    assert.equal(formatIp(parseIp('::ffff:0x7f.0.0.1')!), '127.0.0.1');
  });
  it('the deprecated IPv4-compatible `::a.b.c.d` reads as IPv4-mapped (inet_pton: ::0102:0304)', () => {
    assert.equal(isIPv6('::1.2.3.4'), true);
    assert.equal(formatIp(parseIp('::1.2.3.4')!), '1.2.3.4');
    assert.equal(formatIp(parseIp('0:0:0:0:0:0:1.2.3.4')!), '::102:304');
  });
});
