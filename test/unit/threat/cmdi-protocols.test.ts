import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;
const flags = (list: string[]) => { for (const a of list) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`)); };
const leaves = (list: string[]) => { for (const b of list) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`)); };

describe('mail protocol commands after a line break', () => {
  describe('SMTP envelope', () => {
    flags(['x@example.org\r\nRCPT TO:<victim@example.net>', 'subject\r\nmail from: <a@example.org>\r\nrcpt to:<b@example.org>']);
    leaves(['Mail from: Alice', 'please mail from the office\nthanks', 'RCPT TO:<a@b.c> is the SMTP syntax']);
  });
  describe('IMAP tagged commands when the value opens with the line break', () => {
    flags(['\r\nA1 LOGIN admin secret', '\r\nx12 fetch 1:* (BODY[])', '\nb7 uid copy 1:3 Archive']);
    leaves(['\r\nA1 copy to B2', '\r\nA1 select all cells', 'notes\r\nA1 login bob pw', '\r\nTable 3 list of items', '\r\nA1 paper size',
      '\r\nB2 search for cats', '\nRoom 101 close', '\nC3 login page broken again']);
  });
});

describe('sqlite3 dot-commands that run a program', () => {
  flags(['x";\n.shell id', "');\n. system uname -a"]);
  leaves(['see the .shell file\n.shell config', '\n.system of units', 'a\n.shell']);
});
