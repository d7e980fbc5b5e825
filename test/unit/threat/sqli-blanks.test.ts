import { describe } from 'node:test';
import { sqliClean, sqliFlags } from './detector-cases.js';

describe('SQL evasion: blanks other than the space between SQL words (VT, FF, NBSP: sqlmap space2mysqlblank)', () => {
  sqliFlags(['\u000bORDER\u000bBY\u000b5\u000b', '1\u000cUNION\u000cALL\u000cSELECT\u000c1,2', "')\u000bwaitfor\u000bdelay\u000b'0:0:5'\u000b--", '1\u00a0AND\u00a0sleep(5)']);
  sqliClean(['Sort\u000border\u000bby\u000bdate please', 'page\u000cbreak\u000cand\u000cmore', 'caf\u00e9\u00a0and\u00a0bar', 'tabs\u000bbetween\u000bwords']);
});

describe('SQL evasion: inline comments between the halves of a multi-word form (ORDER/**/BY, WAITFOR/**/DELAY)', () => {
  sqliFlags(['/**/ORDER/**/BY/**/30/**/', "')/**/waitfor/**/delay/**/'0:0:20'/**/--", '1/**/UNION/**/ALL/**/SELECT/**/1,2--', ' order/*x*/by 3#']);
  sqliClean(['order/* see the note */by Friday', 'it sounds/**/like a plan', 'int a /* all */ = b; // ok', '/* delay */ the waitfor', 'a/*b*/by/*c*/d']);
});

describe('SQL evasion: a line comment and a line break between SQL words (sqlmap space2hash, space2dash)', () => {
  sqliFlags(['#x\nUNION#x\nALL#x\nSELECT#x\n1,2,3', '-- x\nORDER-- x\nBY-- x\n5', "');waitfor#a\ndelay#b\n'0:0:5'--", '%23x%0AUNION%23x%0AALL%23x%0ASELECT%23x%0ANULL']);
  sqliClean(['order # see ticket\nby Friday', '-- note\nunion all hands meeting', '# Heading\nsounds\nlike a plan', 'Order #12\nby courier']);
});

describe('SQL evasion: a NUL byte after a probe (sqlmap appendnullbyte) trims like a blank', () => {
  sqliFlags(["'sqlvuln%00", "1\\'1%00", "'probe1\u0000", "'probe1\u000b"]);
  sqliClean(['hello%00', "O'Brien%00", "'tis%00", 'abc\u0000def']);
});
