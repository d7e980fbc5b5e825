import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectCmdi } from '../../../src/threat/detectors/cmdi.js';

const score = (s: string) => detectCmdi(decodeValue(s)).confidence;

describe('PowerShell WMI/CIM and remoting cmdlets', () => {
  const attacks = ['gwmi -Class Win32_OperatingSystem', 'iwmi -Path Win32_Process -Name Create -ArgumentList calc.exe', ';Invoke-WmiMethod -Class Win32_Process',
    '| Get-WmiObject Win32_UserAccount', 'Invoke-Command -ComputerName srv1 -ScriptBlock {hostname}', 'x;Get-CimInstance -ClassName Win32_Service'];
  for (const a of attacks) it(`flags ${JSON.stringify(a)}`, () => assert.ok(score(a) >= 0.8, `${a}: ${score(a)}`));
  const benign = ['the gwmi cmdlet is deprecated', 'read about Invoke-WmiMethod in the docs', 'gwmi'];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));
});
