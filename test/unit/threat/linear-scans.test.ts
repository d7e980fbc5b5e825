/**
 * The linear-time readers that replaced four unanchored regular expressions (recheck found them
 * super-linear) match exactly what the expressions matched: the old expressions are kept here and both are
 * run on targeted cases and on thousands of values built from the tokens each shape is made of.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasForLoop } from '../../../src/threat/detectors/cmdi-batch.js';
import { cssRule, cStyleForHeader, scriptAssignment, urlExtension } from '../../../src/threat/detectors/paranoid-scans.js';
import { agree } from '../redos/differential.js';

const OLD_FOR = /(?:^|[;&|\n\r(])\s{0,32}for(?:\s{1,32}\/[dlfr](?:\s{1,32}[^\s%"/][^\s%]{0,80})?)*(?:\s{1,32}"[^"\n]{0,80}")?\s{1,32}%%?[a-z][a-z0-9_]{0,30}\s{1,32}in\s{0,32}\([^)\n]{0,200}\)\s{0,32}do\b/;
const OLD_CSS = /[}*\]]\s{0,8}\{[^}]{0,256}\}|\{\s{0,8}[a-z-]{1,32}\s{0,8}:\s{0,8}[^;}]{1,256}[;}]/;
const OLD_ASSIGN = /^\s*[A-Za-z_$][\w$]*\s*=\s*(["'`]).*\1\s*;?\s*$/;
const OLD_C_FOR = /\bfor\s*\([^);]{0,64};[^);]{0,64};/;
const OLD_URL = /^[a-z][a-z0-9+.-]{1,15}:\/\/\S+\.([a-z0-9]{2,5})(?:[?#]\S*)?$/;

describe('cmd.exe FOR loop reader', () => {
  const cases = ['for %i in (*.txt) do type %i', 'x & for /r c:\\ %%f in (*.ini) do del %%f', 'for /f "tokens=1" %x in (\'whoami\') do echo %x',
    '(for /l %n in (1,1,9) do ping)', 'a|for  /d  %d in (c:\\users\\*) do dir %d', 'go for %x in (a) do', ' \n for %a in (b) do', 'for 50% in (cash) do pay',
    `${' '.repeat(33)}for %a in (b) do`, `${' '.repeat(32)}for %a in (b) do`, 'for %a in (b) done', 'for %a in (b)\ndo', ';for\t/r\tx\t%a in (b) do'];
  for (const c of cases) it(`agrees with the expression on ${JSON.stringify(c)}`, () => assert.equal(hasForLoop(c), OLD_FOR.test(c)));
  it('agrees on generated values', () => {
    agree('FOR', ['x', ';', ' ', 'for', ' ', '/r', ' ', 'c:\\w', ' ', '"tokens=1"', ' ', '%', 'i', ' ', 'in', ' ', '(', 'a b', ')', ' ', 'do', ' ', 'x'],
      ['for', ' ', '  ', '\t', '\n', ';', '&', '|', '(', 'x', '/d', '/f', '/x', 'a%', '"a', '%', '%%', '1', ')', 'done', '"', '/'], (s) => OLD_FOR.test(s), hasForLoop, 88);
  });
  it('takes at most four switches (cmd.exe takes one)', () => {
    assert.equal(hasForLoop('for /d /d /d /d %a in (x) do'), true);
    assert.equal(hasForLoop('for /d /d /d /d /d %a in (x) do'), false);
  });
});

describe('paranoid shapes read in linear time', () => {
  it('CSS rule: agrees with the expression', () => {
    for (const c of ['a{color:red}', '} {x}', 'p { margin : 0 ; }', '{ -moz-binding: url(x)}', '*{}', ']\t{a}', '{a:}', '{ab :c', 'x {y}'])
      assert.equal(cssRule(c), OLD_CSS.test(c), c);
    agree('CSS', ['p', ']', ' ', '{', ' ', 'color', ' ', ':', ' ', 'red', ';', '}'], ['{', '}', '*', ']', ' ', '\t', 'a', '-', ':', ';', '"', '{{', '        '], (s) => OLD_CSS.test(s), cssRule);
  });
  it('script assignment: agrees with the expression', () => {
    for (const c of ['a="x\ry"', 'a="x\u2029y"', 'a="x"', ' $x = \'y\' ; ', 'a = "x";"', 'a="', 'a=";', 'a = "x" ; ;', 'a=`x\ny`', 'a="x"\n', '1a="x"'])
      assert.equal(scriptAssignment(c), OLD_ASSIGN.test(c), c);
    agree('assignment', [' ', 'a', ' ', '=', ' ', '"', 'x', '"', ' ', ';', ' '], ['a', '$', '_', '1', ' ', '\n', '\r', '=', '"', "'", '`', ';', 'x', '\u2028', '\u00a0'], (s) => OLD_ASSIGN.test(s), scriptAssignment);
  });
  it('C-style for header: agrees with the expression', () => {
    for (const c of ['for (i=0;i<n;', 'for(;;)', 'for (;;', 'xfor(;;', '_for(;;', '$for(;;', 'for\u00a0(a;b;', 'for (a);b;', `for (${'a'.repeat(64)};b;`, `for (${'a'.repeat(65)};b;`, `for (a;${'b'.repeat(64)};`, 'for (a;b)c;', 'FOR(;;', 'for for(;;'])
      assert.equal(cStyleForHeader(c), OLD_C_FOR.test(c), c);
    agree('C for', ['x', ' ', 'for', ' ', '(', 'i=0', ';', 'i<n', ';', 'i++', ')'], ['for', 'fo', 'r', '(', ')', ';', ' ', '\t', '\u00a0', 'a', '_', '$', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'], (s) => OLD_C_FOR.test(s), cStyleForHeader);
  });
  it('URL extension: agrees with the expression', () => {
    for (const c of ['https://x.example/a.swf', 'http://a.js?x.y', 'http://a.b.c', 'http://.js', 'ftp://x/a.js#f', 'http://x/a .js', 'http://x/a.abcdef', 'h://x.ab'])
      assert.equal(urlExtension(c), OLD_URL.exec(c)?.[1], c);
    agree('URL', ['http', '://', 'x', '/', 'a', '.', 'js', '?', 'q', '.', 'b'], ['h', '+', '://', 'x', '.', 'js', 'swf', 'abcdef', '1', '?', '#', '/', ' ', 'a.b'], (s) => OLD_URL.exec(s)?.[1], urlExtension);
  });
});
