import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectValue, DEFAULT_DETECTOR_OPTIONS } from '../../../src/threat/detectors/index.js';
import { xssClean, xssFlags } from './detector-cases.js';

const allow = { ...DEFAULT_DETECTOR_OPTIONS, markup: 'allow' as const };


xssFlags('XML that makes the parser fetch a resource', [
  '<order xmlns:inc="http://www.w3.org/2001/XInclude"><inc:include href="file:///etc/hosts" parse="text"/></order>',
  '<q><xinc:include href="http://203.0.113.9/a"/></q>',
  '<cfg xmlns:s="http://www.w3.org/2001/XMLSchema-instance" s:schemaLocation="urn:cfg https://attacker.test/cfg.xsd"/>',
  '<item\nxsi:noNamespaceSchemaLocation="http://198.51.100.2/i.xsd">1</item>',
]);
xssClean('XML without an external reference', [
  '<cfg xsi:schemaLocation="urn:cfg cfg.xsd"/>', '<note lang="en">hi</note>', 'schemaLocation="http://x.test/a.xsd"',
  'use xi:include href to include files', '<lib:include name="x"/>',
]);

describe('XML external references are not markup only', () => {
  it('stays a finding on rich-text routes', () => {
    const f = inspectValue('<a xsi:schemaLocation="urn:a http://evil.test/a.xsd">x</a>', allow).find((x) => x.family === 'xss');
    assert.ok(f && f.confidence >= 0.8, JSON.stringify(f));
  });
});
