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
