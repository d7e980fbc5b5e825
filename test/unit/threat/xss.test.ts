import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeValue } from '../../../src/threat/decode/normalize.js';
import { detectXss } from '../../../src/threat/detectors/xss.js';
import { inspectValue, DEFAULT_DETECTOR_OPTIONS } from '../../../src/threat/detectors/index.js';

const score = (s: string) => { const d = decodeValue(s); return detectXss(d.full, d.raw).confidence; };

describe('XSS detector', () => {
  const attacks = [
    '<script>alert(1)</script>', '<ScRiPt src=//evil.example/x.js></script>', '<img src=x onerror=alert(1)>',
    '<svg/onload=alert(1)>', '"><svg onload=confirm(1)>', "' onmouseover='alert(1)", 'javascript:alert(document.cookie)',
    'java\tscript:alert(1)', '<a href="jav&#x09;ascript:alert(1)">x</a>', '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">',
    '%3Cscript%3Ealert(1)%3C%2Fscript%3E', '&lt;img src=x onerror=alert(1)&gt;', '\\u003cimg src=x onerror=alert(1)\\u003e',
    '+ADw-script+AD4-alert(1)+ADw-/script+AD4-', '</script><script>alert(1)</script>', "';alert(String.fromCharCode(88,83,83))//",
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', '<div style="width: expression(alert(1))">',
    '{{constructor.constructor(\'alert(1)\')()}}', '<body onload=alert(1)>', 'top["al"+"ert"](1)',
    Buffer.from('<script>alert(1)</script>').toString('base64'),
  ];
  for (const a of attacks) {
    it(`flags ${JSON.stringify(a).slice(0, 60)}`, () => {
      const f = inspectValue(a, DEFAULT_DETECTOR_OPTIONS).find((x) => x.family === 'xss');
      assert.ok(f && f.confidence >= 0.8, `${a}: ${JSON.stringify(f)}`);
    });
  }

  const benign = [
    'a < b and c > d', '3 <5', 'x<y', 'I <3 this', 'Use the select element', 'JavaScript: The Good Parts',
    "Call fetch('/api') to load", 'Press <kbd>Ctrl</kbd>+<kbd>C</kbd>', '<https://example.com>', '<user@example.com>',
    'List<String> and Map<K, V>', '<foo val="bar" />', 'expression', 'evaluate', 'alert level: high (3/5)',
  ];
  for (const b of benign) it(`does not flag ${JSON.stringify(b)}`, () => assert.ok(score(b) < 0.8, `${b}: ${score(b)}`));

  it('treats markup without script as a finding unless the route allows markup', () => {
    const opts = { ...DEFAULT_DETECTOR_OPTIONS, markup: 'allow' as const };
    assert.ok(score('<h1>Title</h1><p>text</p>') >= 0.8);
    assert.ok((inspectValue('<h1>Title</h1>', opts).find((f) => f.family === 'xss')?.confidence ?? 0) < 0.5);
    // script stays a finding with markup allowed
    assert.ok((inspectValue('<img src=x onerror=alert(1)>', opts).find((f) => f.family === 'xss')?.confidence ?? 0) >= 0.9);
  });
});
