import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectTraversal } from '../../../src/threat/detectors/traversal.js';

const score = (s: string) => detectTraversal(decodeValue(s)).confidence;

describe('path traversal and file inclusion detector', () => {
  const attacks = [
    '../../../etc/passwd', '..\\..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%252e%252e%252fboot.ini',
    '..%c0%af..%c0%afetc/passwd', '%c0%ae%c0%ae/%c0%ae%c0%ae/', '..%u2215..%u2215etc%u2215issue', '....//....//etc/shadow',
    '/var/www/../../etc/passwd', '/etc/passwd', 'php://filter/convert.base64-encode/resource=index.php', 'file:///etc/hosts',
    'expect://id', '..%00/etc/passwd', 'C:\\Windows\\System32\\drivers\\etc\\hosts', '0x2e0x2e0x2fetc0x2fpasswd',
    '..2f..2f..2fetc2fpasswd', '/proc/self/environ', '../../../../.ssh/id_rsa', '..;/..;/admin',
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));

  const benign = [
    'docs/getting-started.md', 'https://example.com/a/b/c.html', './build/output.js', 'C:\\Users\\jane\\report.docx',
    'Wait... what?', 'v1.2.3', '1.000.000,00', '/home/jane/projects/app', 'src/index.ts', 'archive.2024.05.01.log',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36', '../images/photo.jpg', 'etc.', 'passwd',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));

  describe('dot-dot to application files, double encoding, PHP filter names', () => {
    const attacks = [
      '../app/settings.inc', '..\\web.config.bak', '../data/shop.sqlite', '../private/server.key', '../index.php5', '%2e%2e/local.ini',
      '..%252fdata', '..%255cdata', '..%5csecret', 'convert.iconv.UTF-16LE.UTF-8', 'CONVERT.QUOTED-PRINTABLE-DECODE', 'x|convert.base64-decode',
    ];
    for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
    const benign = [
      '../images/photo.jpg', '../docs/readme.md', '../shared/config.json', '../styles/site.css', 'see ../notes.txt', '../php/intro.html',
      'convert.iconv', 'how to convert.base64 data', 'conversion.iconv.x', '/images/logo.png', '../phpunit.xml.dist', '..%2Fimages%2Fphoto.jpg',
    ];
    for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
  });
});

describe('targets on the platforms a gateway fronts: Java web applications and containers', () => {
  // WEB-INF holds a servlet application's deployment descriptor, classes and bundled secrets; a pod's service
  // account token sits under /var/run/secrets (and /run/secrets): what an LFI in front of either reads first
  const attacks = [
    '../WEB-INF/web.xml', '..%2fWEB-INF%2fweb.xml', '/WEB-INF/web.xml', '..\\WEB-INF\\classes\\application.properties',
    '/var/run/secrets/kubernetes.io/serviceaccount/token', '/run/secrets/kubernetes.io/serviceaccount/namespace', '../../../../run/secrets/db_password',
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  const benign = [
    'src/main/webapp/WEB-INF/web.xml', 'Put the descriptor under /WEB-INF/ in the war file as usual for servlets.', '/var/run/nginx.pid',
    'mount the secret at /run/secrets as the compose documentation explains', 'webinf', 'secrets/api',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});

describe('remote file inclusion: a URL to a file cut off by a trailing ? or a NUL', () => {
  // include($_GET['page'] . '.php') fetches http://evil/shell.txt?.php — the '?' turns the application's
  // suffix into a query string (CRS 931120); a NUL drops it where the runtime truncates
  const attacks = ['http://evil.example/shell.txt?', 'https://203.0.113.5/x/c99.php??', 'ftp://evil.example/pub/r57.txt?', 'http://evil.example/shell.txt%00', 'HTTP://EVIL.EXAMPLE/A.TXT%00.php'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  // a link with a query, a search page without a file name, a URL in a sentence, a plain link
  const benign = ['https://example.com/search?', 'https://example.com/page.html?id=1', 'https://example.com/', 'see https://example.com/a.html? or ask', 'https://example.com/docs/guide.pdf', 'http://example.com?'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});
