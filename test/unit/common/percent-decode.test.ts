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
});
