import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectTraversal } from '../../../src/threat/detectors/traversal.js';

const verdict = (s: string) => detectTraversal(decodeValue(s));

describe('an absolute path to a sensitive file, sent as a path or named in a sentence', () => {
  // the value is (or opens with) the path, the path is glued to code, or a sentence is missing
  const attacks = ['/etc/passwd', 'cat /etc/passwd', 'x /etc/passwd', "show me the file '/etc/passwd' now please", 'value=/etc/passwd and then some words here',
    'read the file at /etc/passwd%00.jpg right now', 'echo the whole file; cat /etc/shadow', '<!ENTITY the file SYSTEM "/etc/passwd">', 'a b c d /etc/passwd',
    '....//etc/passwd and some more words here', 'the file is /proc/self/environ'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => { const v = verdict(a); assert.ok(v.confidence >= 0.8, `${a}: ${JSON.stringify(v)}`); });
  // one word of running text: a file parameter would open the whole sentence, which names no file
  const benign = ['the base files such as /etc/issue, /etc/motd and others', 'syntaxes of several system\n files (e.g. wtmp, /etc/passwd, nfs).',
    'After the upgrade my /etc/hosts file was replaced by the default one', 'Edit /etc/resolv.conf. Then restart the resolver service'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => { const v = verdict(b); assert.ok(v.confidence < 0.8, `${b}: ${JSON.stringify(v)}`); });
});

describe('relative links of documentation in prose, and traversals that stay caught', () => {
  // several levels in one plain path, a sensitive target or extension, encodings, a backslash, NUL, markup
  const attacks = ['../../../../etc/passwd', '....//....//etc/passwd', '..%2f..%2fetc%2fpasswd', '/static/../../../../etc/shadow',
    'see the docs at ../../../../etc/passwd for more details', '[policy](../../../../etc/passwd) is the file we read',
    '[the notes](../../../../../../app/config.php) read more here please', 'read the notes in ../../../secret and more text here',
    '[the docs](..%2f..%2f..%2fREADME.md) read it here now', '[the docs](../../../../README.md%00.php) read it here now',
    '[the docs](..\\..\\..\\..\\README.md) read it here now', '[the docs](../../../../.git/config.md) read it here now',
    'please read the file ../../db.sql for all the details', 'open the link ..;/..;/..;/admin and read the text here',
    '<a href="../../../../secret">the docs are here</a> read it', 'see the docs at ../x/../../../secret for more details'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => { const v = verdict(a); assert.ok(v.confidence >= 0.8, `${a}: ${JSON.stringify(v)}`); });
  // a markdown link climbing to a documentation file; path words of a sentence that each climb one level
  const benign = ['Experimental features do not fall within the scope of the versioning [policy](../../../../../../VERSIONING.md).',
    'See the [install guide](../../docs/install.rst#linux) and the [changes](../CHANGES.txt) for all of the details.',
    ' * If more than one of `../man`, `man`, `../share/man`, and `share/man`\n   exist relative to a directory, then all of them are added; previously only one was.',
    'The build reads ../include and ../lib/generated when the tree is configured with excess log messages.'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => { const v = verdict(b); assert.ok(v.confidence < 0.8, `${b}: ${JSON.stringify(v)}`); });
});

describe('a directory named in a sentence is not a file read inside it', () => {
  // the words after the folder are the sentence's, not path components below it
  const benign = ['Logs are kept in /var/log as usual for the system daemons', 'Host keys live in /etc/ssh and are created at install time',
    'Mail waits in /var/spool until the queue runner picks it up', 'Put the site under /var/www and point the server at it'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => { const v = verdict(b); assert.ok(v.confidence < 0.8, `${b}: ${JSON.stringify(v)}`); });
  // a file inside the folder, or the folder followed by a separator, is still read as the path
  const attacks = ['/var/log/apache2/access.log', '/etc/ssh/sshd_config', 'x=/var/spool/cron/root', '/etc/passwd', '..\\..\\windows\\win.ini'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => { const v = verdict(a); assert.ok(v.confidence >= 0.8, `${a}: ${JSON.stringify(v)}`); });
});
