import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEntities } from '../../../src/threat/decode/entities.js';
import { decodeBackslashEscapes, decodeUtf7 } from '../../../src/threat/decode/escapes.js';
import { decodeBase64Text, decodeValue, foldLookalikes } from '../../../src/threat/decode/normalize.js';
import { percentDecodeOnce } from '../../../src/threat/decode/percent.js';

describe('percent decoding', () => {
  it('decodes repeatedly (double and triple encoding) up to a bound', () => {
    assert.equal(decodeValue('%252e%252e%252f').url, '../');
    assert.equal(decodeValue('%25252e').url, '.');
    assert.equal(decodeValue('%25252e').depth, 3);
  });

  it('decodes overlong UTF-8 to the character it spells and counts it', () => {
    const d = decodeValue('%c0%ae%c0%ae%c0%af');
    assert.equal(d.url, '../');
    assert.equal(d.overlong, 3);
    assert.equal(decodeValue('%e0%80%ae').url, '.');
    assert.equal(decodeValue('%f0%80%80%af').url, '/');
    assert.equal(decodeValue('%f8%80%80%80%ae').overlong, 1);
  });

  it('decodes %uXXXX and nibble-split escapes, folds look-alike slashes and dots', () => {
    assert.equal(decodeValue('%u002e%u002e%u2215').url, '../');
    assert.equal(decodeValue('%uff0e%uff0e%u2216').url, '..\\');
    assert.equal(decodeValue('%%32%%65').url, '.');
    assert.equal(foldLookalikes('\uff1cscript\uff1e'), '<script>');
  });

  it('keeps invalid escapes as they are and counts them', () => {
    const r = percentDecodeOnce('100%zz', false);
    assert.equal(r.text, '100%zz');
    assert.equal(r.invalid, 1);
    const bad = decodeValue('%c1%pc');
    assert.ok(bad.invalid >= 1);
  });

  it("turns '+' into a space only in a value that is percent-encoded", () => {
    assert.equal(decodeValue('a+b').url, 'a+b');
    assert.equal(decodeValue('a+b%20c').url, 'a b c');
  });
});

describe('entities, escapes, UTF-7, base64', () => {
  it('decodes numeric and named character references, with or without semicolons', () => {
    assert.equal(decodeEntities('&#60;&#x3C;&#0000060&lt;&LT&colon;&lpar;&rpar;').text, '<<<<<:()');
    assert.equal(decodeEntities('Tom &amp; Jerry').text, 'Tom & Jerry');
    assert.equal(decodeEntities('AT&T and R&D').text, 'AT&T and R&D');
  });

  it('decodes JavaScript escapes and octal', () => {
    assert.equal(decodeBackslashEscapes('\\u003cscript\\x3e\\u{61}\\145').text, '<script>ae');
    assert.equal(decodeBackslashEscapes('C:\\\\temp').text, 'C:\\\\temp');
  });

  it('decodes UTF-7 runs only when they spell printable ASCII', () => {
    assert.equal(decodeUtf7('+ADw-script+AD4-').text, '<script>');
    assert.equal(decodeUtf7('C++ and +1-555-0100').text, 'C++ and +1-555-0100');
  });

  it('reads base64 of text and nothing else', () => {
    assert.equal(decodeBase64Text(Buffer.from('<script>alert(1)</script>').toString('base64')), '<script>alert(1)</script>');
    assert.equal(decodeBase64Text('runningshoesandsocks'), undefined); // a word is not base64 data
    assert.equal(decodeBase64Text(Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 254, 255, 9, 9]).toString('base64')), undefined);
  });

  it('the full form combines every layer', () => {
    assert.equal(decodeValue('%26lt%3Bimg%20src%3Dx%20onerror%3D%26%2397%3Blert(1)%26gt%3B').full, '<img src=x onerror=alert(1)>');
  });
});
