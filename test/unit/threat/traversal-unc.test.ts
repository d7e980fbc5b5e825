import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';
import { detectTraversal } from '../../../src/threat/detectors/traversal.js';

const verdict = (s: string) => detectTraversal(decodeValue(s));
const score = (s: string) => verdict(s).confidence;
/** The request's risk as scoring.ts combines the value's findings (noisy-OR over families). */
const risk = (s: string) => { let keep = 1; for (const f of inspectValue(s, DEFAULT_DETECTOR_OPTIONS)) keep *= 1 - f.confidence; return 1 - keep; };

/**
 * A value that is a UNC path (`\\attacker\share\x`) passed: a Windows server's file API opens it over SMB —
 * PHP's include() fetches and runs it even with allow_url_include off (it is a path, not a URL), and any
 * file read hands the attacker's host the service account's NTLM credentials (the coercion of
 * CVE-2024-13161). A value that opens with one is remote file inclusion, as a stream wrapper is.
 */
describe('UNC paths as a value', () => {
  const attacks = [
    '\\\\attacker.example\\share\\x', '\\\\attacker.example\\share\\shell.php', '\\\\203.0.113.9\\s\\x.txt', '\\\\evil.example@SSL@443\\DavWWWRoot\\x.php',
    '\\\\?\\UNC\\evil.example\\share\\x', '\\/evil.example\\share\\x', '%5C%5Cattacker.example%5Cshare%5Cx', '\\\\10.0.0.5\\c$',
    '\\\\evil@SSL\\DavWWWRoot\\x.php',
  ];
  for (const a of attacks) {
    it(`flags ${JSON.stringify(a)} (a block at PL1, its own detail)`, () => {
      const v = verdict(a);
      assert.ok(v.confidence >= 0.85, `${a}: ${JSON.stringify(v)}`);
      assert.match(v.reason, /UNC path/);
      assert.ok(risk(a) >= 0.8);
    });
  }
  const benign = [
    'saved the report to \\\\fs01\\finance\\q3.xlsx as usual', 'C:\\Users\\jane\\report.docx', 'a\\\\b', '\\\\', '\\\\ ', '\\\\n',
    'regex \\\\d+ matches digits', 'C:\\\\Program Files\\\\App', '\\\\\\\\', 'path: \\\\server\\share (see the wiki)',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(risk(b) < 0.8, `${b}: ${JSON.stringify(inspectValue(b))}`));

  // a one-label host (NetBIOS) resolves only inside the server's network: the shape of enterprise file-share
  // fields; an outside attacker cannot name his host so. Reported (0.6: an event, a throttle), not refused
  for (const l of ['\\\\fileserver\\share\\reports\\q3.xlsx', '\\\\nas01\\backups', '\\\\printserver\\HP-LaserJet', '\\\\?\\UNC\\server\\share\\file.txt', '%5C%5Cattacker%5Cshare%5Cx']) {
    it(`reports ${JSON.stringify(l)} as a share on the local network, below the block threshold`, () => {
      const v = verdict(l);
      assert.equal(v.confidence, 0.6, `${l}: ${JSON.stringify(v)}`);
      assert.match(v.reason, /local network/);
      assert.ok(risk(l) < 0.8);
    });
  }
});

/**
 * A protocol-relative URL (`//evil.example/x.php`) is an http(s) URL with the scheme of the page: read as
 * the http(s) URLs are — remote file inclusion when it opens the value and names a file cut off by a run of
 * `?` or a NUL (`include($_GET['p'] . '.php')` then fetches `x.txt?.php`); a plain one is an ordinary link
 * (`//cdn.example.com/lib.js` is in the benign API fixture), as `https://cdn.example.com/lib.js` is.
 */
describe('protocol-relative URLs', () => {
  for (const a of ['//evil.example/shell.txt?', '//evil.example/x.php??', '//203.0.113.9/a/b.txt%00']) {
    it(`flags ${JSON.stringify(a)} like its http:// form`, () => {
      assert.ok(score(a) >= 0.85, `${a}: ${score(a)}`);
      assert.equal(score(a), score(`http:${a}`));
    });
  }
  for (const b of ['//cdn.example.com/lib.js', '//evil.example/x.php', '// a comment?', '//x?', 'see //cdn.example.com/a.js?']) {
    it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(risk(b) < 0.8, `${b}: ${risk(b)}`));
  }
});

/**
 * `src/.git/config` in a JSON value of a code-review API scored 0.85 ("absolute path .git/", a block): a
 * repository's own files live under any directory of a project tree, so VCS metadata and project dotfiles
 * (`.git/`, `.svn/`, `.env`, `.htaccess`, `.htpasswd`) deeper in a relative path name a file of the project.
 * They stay strong where a file read of the server's web root names them: the value opens with them
 * (`.git/config`, `/.git/HEAD`), is an absolute path (`/var/www/html/.git/config`, `C:\inetpub\…\.env`),
 * or reaches them with dot-dot segments.
 */
describe('project dotfiles in a relative path', () => {
  for (const b of ['src/.git/config', 'packages/api/.env', 'deploy/nginx/.htpasswd', 'vendor/lib/.svn/entries', 'app\\public\\.htaccess', 'a/b/.git/HEAD']) {
    it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(risk(b) < 0.8, `${b}: ${JSON.stringify(inspectValue(b))}`));
  }
  for (const a of ['.git/config', '/.git/config', '/var/www/html/.git/config', '../../.git/config', 'src/../../.env', '/var/www/vhosts/site/httpdocs/.htaccess',
    'C:\\inetpub\\wwwroot\\.env', '~/.git/config', '\\.git\\config', 'home/bob/.ssh/id_rsa']) {
    it(`still flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${JSON.stringify(verdict(a))}`));
  }
});

/**
 * The relative-path reading let evasion shapes of those paths through (each scored 0.85 before it): a
 * code-review or CI API names a project's file by plain directory names, never with a `.` or empty segment,
 * a Tomcat path parameter (`.;`), mixed separators or a `file:` scheme in front — the shapes that walk a
 * path filter, not a project tree.
 */
describe('project dotfiles behind a non-canonical relative path', () => {
  for (const a of ['uploads/./.env', 'src/.//.git/config', 'x//.env', 'x/.;/.env', 'uploads/.\\.env', 'file:uploads/.env', 'a/./b/.htpasswd']) {
    it(`flags ${JSON.stringify(a)}`, () => assert.ok(risk(a) >= 0.8, `${a}: ${JSON.stringify(inspectValue(a))}`));
  }
  for (const b of ['src/.git/config', 'packages/api/.env', 'app\\public\\.htaccess', 'my-app_2/.env', 'My Documents/site/.htaccess']) {
    it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(risk(b) < 0.8, `${b}: ${JSON.stringify(inspectValue(b))}`));
  }
});
