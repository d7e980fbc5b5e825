import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachParam, parseQuery, rawParamNames } from '../../../src/pipeline/query.js';

const pairs = (raw: string) => { const out: Array<[string, string]> = []; forEachParam(raw, (k, v) => { out.push([k, v]); }); return out; };

describe('query parameters', () => {
  it('are read in order, decoded, empty parts skipped, a name without = has an empty value', () => {
    assert.deepEqual(pairs('a=1&&b&c=x%20y+z&a=2=3&%3D=%26'), [['a', '1'], ['b', ''], ['c', 'x y z'], ['a', '2=3'], ['=', '&']]);
    assert.deepEqual(pairs(''), []);
    assert.deepEqual(pairs('&&'), []);
  });

  it('stop when the callback says so', () => {
    const seen: string[] = [];
    forEachParam('a=1&b=2&c=3', (k) => { seen.push(k); return k !== 'b'; });
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('are read in linear time (names without = before a late =)', () => {
    const raw = `${'a&'.repeat(200_000)}z=1`;
    const t = performance.now();
    let n = 0;
    forEachParam(raw, () => { n++; });
    assert.equal(n, 200_001);
    assert.ok(performance.now() - t < 1000);
  });

  it('parseQuery keeps the first maxParams, grouped by name', () => {
    const m = parseQuery('a=1&b=2&a=3&c=4', 3);
    assert.deepEqual([...m], [['a', ['1', '3']], ['b', ['2']]]);
  });
});

describe('rawParamNames', () => {
  it('returns each spelling, as sent, of a decoded name, once, in order', () => {
    assert.deepEqual(rawParamNames('a=1&access%5Ftoken=x&access_token=y&acc%65ss_token=z&access%5Ftoken=w', 'access_token'),
      ['access%5Ftoken', 'access_token', 'acc%65ss_token']);
  });
  it('handles names without a value and ignores other names and empty parts', () => {
    assert.deepEqual(rawParamNames('&&token&b=token&token=', 'token'), ['token']);
    assert.deepEqual(rawParamNames('x=access_token', 'access_token'), []);
    assert.deepEqual(rawParamNames('', 'access_token'), []);
  });
});
