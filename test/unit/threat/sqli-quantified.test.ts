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

describe('SQL expressions: quantified comparisons with a sub-query (ALL / ANY / SOME)', () => {
  flags(["bob@mail.test' and login = all (select login)--", "5 or price > any (select cost from parts)", "k' or 3 < some (select id from t)#"]);
  clean(['price > any (other offer) or lower', 'all (select items) = mine', 'I want any (select few) or none', 'x = all (of them)']);
});
