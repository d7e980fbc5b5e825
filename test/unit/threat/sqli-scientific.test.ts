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

describe('SQL obfuscation: numbers with an empty exponent (MySQL drops them)', () => {
  flags(["' and 1.e(ord 1.e(mid(1.e(select secret from vault limit 1 1.e,1 1.e)1.e)1.e) > 64 or'3'='4", "k' and 5.e(hex 5.e(substr(5.e(select login from staff limit 1 5.e,1 5.e,1 5.e)5.e)5.e) = 41 or'a'='b"]);
  clean(['Section 1.e.ii says', 'see 2.e(iv) and 3.e(v) of the lease', 'v1.e(x) or so', '1.e']);
});
