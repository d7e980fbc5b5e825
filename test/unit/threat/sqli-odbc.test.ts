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

describe('SQL obfuscation: ODBC escape braces around an expression', () => {
  flags(['42 or {if char_length((select pw from admins where uid=1))>0}', "x' or {t 2}={t 2}--", '7 and {fn length(user())}>1']);
  clean(['{#if cond}yes{/if} or no', 'Hello {name} and {count} items', '{x y} or z', 'use {color red} or {color blue}', '{{user name}} or 1']);
});
