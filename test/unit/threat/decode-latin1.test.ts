import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { percentDecodeOnce } from '../../../src/threat/decode/percent.js';
import { sqliClean, sqliFlags } from './detector-cases.js';

describe('percent-decoding a lone A0–BF byte as Latin-1', () => {
  it('reads %A0 as NBSP (folded to a space) and still counts it as invalid UTF-8', () => {
    const r = percentDecodeOnce('a%A0b', false);
    assert.equal(r.text, 'a\u00a0b');
    assert.equal(r.invalid, 1);
    assert.equal(decodeValue('UNION%A0ALL%A0SELECT%A01').full, 'UNION ALL SELECT 1');
    assert.equal(percentDecodeOnce('%BC', false).text, '\u00bc');
  });
  it('keeps U+FFFD for bytes that are neither UTF-8 nor a lone A0–BF, and decodes UTF-8 and overlong forms as before', () => {
    assert.equal(percentDecodeOnce('caf%E9', false).text, 'caf\uFFFD');
    assert.equal(percentDecodeOnce('%80%9F', false).text, '\uFFFD\uFFFD');
    assert.equal(percentDecodeOnce('%C3%A9', false).text, 'é');
    const o = percentDecodeOnce('%c0%ae%c0%af', false);
    assert.equal(o.text, './');
    assert.equal(o.overlong, 2);
  });
  describe('SQL with %A0 for its spaces (sqlmap space2mysqlblank)', () => {
    sqliFlags(['1%A0UNION%A0ALL%A0SELECT%A0NULL,NULL--', "'%A0or%A0sleep(5)#", '%A0ORDER%A0BY%A03%A0']);
    sqliClean(['price%A0100%A0EUR', 'caf%E9%A0au%A0lait', 'Tom%A0and%A0Jerry', 'page%A0order%A0form']);
  });
});
