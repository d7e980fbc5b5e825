import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectSqli } from '../../../src/threat/detectors/sqli/detect.js';

const verdict = (s: string) => detectSqli(decodeValue(s).full);
const flags = (list: string[]) => {
  for (const a of list) it(`flags ${JSON.stringify(a)}`, () => { const v = verdict(a); assert.ok(v.confidence >= 0.8, `${a}: ${v.confidence} ${v.reason}`); });
};
const clean = (list: string[]) => {
  for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => { const v = verdict(b); assert.ok(v.confidence < 0.8, `${b}: ${v.confidence} ${v.reason}`); });
};

describe('SQL fragments: a leading name= then a chained condition', () => {
  flags(['uid=AND 4410=(', 'sort=OR (12=34)', "tab=|| q == '", 'page=and 3=3--']);
  clean(['q=and more', 'filter=or best price', 'mode=and (x) or y', 'size=or 5', 'a=b&c=d', 'note=or else, 3 = three', 'x==and 1=1 or']);
});
