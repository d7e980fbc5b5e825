import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentDecode } from '../../../src/common/percent-decode.js';

describe('percentDecode (each escape on its own)', () => {
  it('agrees with decodeURIComponent where that succeeds', () => {
    for (const s of ['', 'abc', '%41', 'a%20b', '%e2%82%ac', '%E2%82%AC/x', '%2F%2f', '%00']) assert.equal(percentDecode(s), decodeURIComponent(s), s);
  });
  it('a malformed escape stays; a byte that is not UTF-8 is U+FFFD; the other escapes are decoded', () => {
    assert.equal(percentDecode('%61dmin%zz'), 'admin%zz');
    assert.equal(percentDecode('%61dmin%FF'), 'admin\uFFFD');
    assert.equal(percentDecode('%'), '%');
    assert.equal(percentDecode('%4'), '%4');
    assert.equal(percentDecode('x%C3%A9%C3'), 'xé\uFFFD');
    assert.equal(percentDecode('é%zz%C3%A9'), 'é%zzé');
  });
  it('plus: "+" is a space, also where an escape is malformed', () => {
    assert.equal(percentDecode('a+b%20c', true), 'a b c');
    assert.equal(percentDecode('a+b%zz', true), 'a b%zz');
    assert.equal(percentDecode('a+b'), 'a+b');
  });
  it('agrees with a byte-by-byte reference on random mixes of escapes, malformed escapes and non-ASCII text', () => {
    // the reference: every escape as its own byte, literal runs as UTF-8, the whole read as UTF-8
    const reference = (t: string): string => {
      const bytes: number[] = [];
      for (let i = 0; i < t.length; i++) {
        const m = /^%[0-9a-fA-F]{2}/.exec(t.slice(i, i + 3));
        if (m) { bytes.push(parseInt(t.slice(i + 1, i + 3), 16)); i += 2; continue; }
        const cp = t.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        bytes.push(...Buffer.from(ch, 'utf8'));
        if (cp > 0xffff) i++;
      }
      return Buffer.from(bytes).toString('utf8');
    };
    const atoms = ['%', '%4', '%41', '%zz', '%FF', '%C3', '%A9', '%e2%82%ac', 'a', 'Z', '9', 'é', '😀', '/', '+', ' '];
    let seed = 7;
    const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
    for (let n = 0; n < 2000; n++) {
      let t = '';
      const len = next() % 12;
      for (let k = 0; k < len; k++) t += atoms[next() % atoms.length];
      assert.equal(percentDecode(t), reference(t), JSON.stringify(t));
      assert.equal(percentDecode(t, true), reference(t.replace(/\+/g, ' ')), `plus ${JSON.stringify(t)}`);
    }
  });
});
