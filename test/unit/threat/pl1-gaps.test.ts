import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { inspectValue } from '../../../src/threat/detectors/index.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';
import { detectJsExpression } from '../../../src/threat/detectors/js-expression.js';
import { detectSqli, joinCommentSplitWords } from '../../../src/threat/detectors/sqli/detect.js';

const sqli = (s: string) => detectSqli(decodeValue(s).full).confidence;
const cmdi = (s: string) => detectCmdi(decodeValue(s)).confidence;
const js = (s: string) => detectJsExpression(decodeValue(s).full).confidence;
const top = (s: string, family: string) => Math.max(0, ...inspectValue(s).filter((f) => f.family === family).map((f) => f.confidence));

describe('paranoia level 1: SQL string breaks and evasions', () => {
  const attacks = [
    // doubled quotes read as the break (each in two spellings)
    '"a"" or 1=1--"', "'b'' or 2=2--'", '"hi"") or (""a""=""a"', "'x'') or (''y''=''y'",
    // operators glued to numbers
    '1or1=1', '2and2=2', '1OR(1=1)',
    // keywords split by inline comments
    'uni/**/on sel/**/ect', '1 uni/**/on select all from where', '-1 UN/*x*/ION SEL/*y*/ECT 1,2',
    // a string the application's closing quote completes
    "' or '' '", '" or "" "', "' or 'a",
    // bare EXISTS as a predicate, stacked DESCRIBE after an escaped quote
    "' or (EXISTS)", '" and (exists)', "\\'; desc users; --", "\\'; show tables; --",
    // a hex literal that spells SQL (UTF-16LE and plain)
    '0x770061006900740066006F0072002000640065006C00610079002000270030003A0030003A', '0x73656c65637420736c65657028352900',
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(sqli(a) >= 0.8, `${a}: ${sqli(a)}`));

  const benign = [
    "O''Brien", 'She said ""hello""', '1or2 items', "Bring 2 or 3 'friends'", 'path/*glob*/file', 'foo/*note*/bar',
    "O\\'Brien said \\\"hi\\\"", 'describe your issue', '0x5f3a9c2e1b7d4f60aa11bb22cc33dd44ee55ff66', '0x48656c6c6f20776f726c6421', "It's 'fine' or ''", 'Show tables and chairs',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(sqli(b) < 0.8, `${b}: ${sqli(b)}`));

  it('joins only comment splits that make SQL keywords', () => {
    assert.deepEqual(joinCommentSplitWords('uni/**/on x/**/y'), { text: 'union xy', keywords: 1 });
    assert.equal(joinCommentSplitWords('a /* b */ c').keywords, 0);
  });
});

describe('paranoia level 1: command injection gaps', () => {
  const attacks = [
    "' whoami", '" whoami', "' uname -a", '" id;',
    '| dir c:\\', '+|+dir+c:\\+|', '||+dir|c:\\', 'dir+c:\\', '$+|+Dir+c:\\', '&&+ipconfig+/all',
    '%0aid%0auname -a', '\\necho PWNED\\nexit\\n', '\\nwhoami\\nhostname\\n',
    '{{[] .__ Class __.__ base __.__ subclasses __ ()}}', '{{ "" . __class__ . __mro__ }}',
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(cmdi(a) >= 0.8, `${a}: ${cmdi(a)}`));
  const benign = [
    "It's a cat", '"Hello" she said', "'ls' lists files", 'Shopping list:\ncat food\ntest kit', 'C++ or C+',
    'a+b+c', 'Notes:\nmake coffee\nread the paper', "' hello there",
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(cmdi(b) < 0.8, `${b}: ${cmdi(b)}`));
});

describe('paranoia level 1: JavaScript-context XSS without tags', () => {
  const attacks = [
    '(alert)(1)', '(confirm)(document.domain)', 'a=alert,a(1)', 'x=prompt;x(1)', '[1].find(alert)', '[2].map(confirm)',
    'alert`1`', 'alert\\`1\\`', "window.open('//evil.example')", "top.open('x')", 'location="http://evil.example";',
    "location='//evil.example'", 'navigator.vibrate(500)', 'document.location.assign("//x")', 'window.name=name+1',
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(js(a) >= 0.8, `${a}: ${js(a)}`));
  const benign = [
    'Set the (alert) level (see docs)', 'location=Dublin', 'Open a window.', 'alert', 'red alert, yellow alert',
    'The window is open (mostly)', 'print(a)', 'my location is "home"', 'history of alert(s)', 'navigator app',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(js(b) < 0.8, `${b}: ${js(b)}`));

  it('reads UTF-7 whose + shifts became spaces, and base64 embedded in a value', () => {
    assert.ok(top(' ADw-script AD4-alert(1) ADw-/script AD4-', 'xss') >= 0.8);
    assert.ok(top('PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+"/>', 'xss') >= 0.8);
    assert.ok(top('data:text/plain;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'xss') >= 0.8);
    assert.ok(top('Buy A Card-holder and A Cup-cake', 'xss') < 0.5);
  });
});
