import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ipaddr from 'ipaddr.js';
import { parseIp } from '../../../src/threat/ip/address.js';

const reference = (s: string) => (ipaddr.IPv4.isValidFourPartDecimal(s.trim()) ? ipaddr.IPv4.parse(s.trim()).toByteArray().join('.') : undefined);
const ours = (s: string) => { const b = parseIp(s); return b ? Array.from(b.slice(12)).join('.') : undefined; };

describe('parseIp IPv4 fast path agrees with ipaddr.js', () => {
  it('on edge cases', () => {
    for (const c of ['1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3.04', '00.1.1.1', '1.2.3', '1.2.3.4.5',
      '1..3.4', 'a.b.c.d', ' 10.0.0.1 ', '192.168.001.1', '1.2.3.4\n', '1e1.2.3.4', '-1.2.3.4', '1.2.3.1000']) {
      assert.equal(ours(c), reference(c), JSON.stringify(c));
    }
  });

  it('on random dotted quads, with and without leading zeros', () => {
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 5000; i++) {
      const parts = Array.from({ length: 4 }, () => { const v = String(rnd(300)); return rnd(10) === 0 ? `0${v}` : v; });
      const s = parts.join('.');
      assert.equal(ours(s), reference(s), s);
    }
  });

  it('IPv4-mapped form: 16 bytes with the ::ffff: prefix', () => {
    assert.deepEqual(Array.from(parseIp('10.1.2.3')!), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3]);
    assert.deepEqual(parseIp('::ffff:10.1.2.3'), parseIp('10.1.2.3'));
  });
});
