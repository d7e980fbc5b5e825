import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;

describe('an empty substitution glued to a command word', () => {
  const attacks = ['who``ami', 'cat`` /etc/hosts', 'uname$() -a', 'wget$() http://203.0.113.5/x', 'sleep`` 10', 'nslo$()okup 203.0.113.5'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  const benign = ['```bash', 'ls```', 'price$() total', 'use `` to quote', 'cat`` food', 'the $() syntax'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});
