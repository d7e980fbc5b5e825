import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectValue, INJECTION_FAMILIES, type ParanoiaLevel } from '../../../src/threat/detectors/index.js';

const S = 'SECRETxyz123';
/** Values whose detection does not depend on the marker's word: a detail that echoes the value would show it. */
const ECHO_BAIT: Array<[value: string, family: string, detail?: string]> = [
  [`<${S} onload=x>`, 'xss', 'unknown tag with event handler onload'],
  [`<img src=x on${S}=alert(1)>`, 'xss', 'img with an unknown event handler'],
  [`<svg ${S}:href=javascript:alert(1)>`, 'xss', 'svg unknown attribute with a script URL'],
  [`<img src=x ${S}=javascript:alert(1)>`, 'xss'],
  [`</svg:${S}>`, 'xss', 'tag /svg:…'],
  [`+ADw-${S}+AD4-`, 'xss', 'UTF-7 encoded unknown tag'],
  [`<${S} style="x:expression(alert(1))">`, 'xss', 'unknown tag style with script'],
  [`<${S} datafld=x>`, 'xss', 'unknown tag attribute datafld'],
  [`${S}=id;$${S}`, 'cmdi', 'assigned $variable executed'],
  [`<img src=x onerror=${S}>`, 'xss'], [`<script>${S}()</script>`, 'xss'], [`javascript:${S}(1)`, 'xss'],
  [`${S}' or '1'='1`, 'sqli'], [`1' union select ${S} from ${S}--`, 'sqli'], [`${S}'--`, 'sqli'], [`*)(${S}=*)`, 'sqli'],
  [`../../etc/${S}`, 'traversal'], [`../../${S}.php`, 'traversal'], [`php://filter/${S}`, 'traversal'],
  [`; ${S} -la /etc`, 'cmdi'], [`$(${S})`, 'cmdi'], [`{{${S}.__class__}}`, 'cmdi'], [`${S};ls -la`, 'cmdi'],
];

describe('finding details never echo the value', () => {
  for (const [value, family, detail] of ECHO_BAIT) {
    it(`${JSON.stringify(value)}`, () => {
      for (const paranoia of [1, 2, 3, 4] as ParanoiaLevel[]) {
        const fs = inspectValue(value, { families: new Set(INJECTION_FAMILIES), markup: 'flag', minConfidence: 0.3, paranoia });
        assert.ok(fs.some((f) => f.family === family), `PL${paranoia}: still detected as ${family}: ${JSON.stringify(fs)}`);
        for (const f of fs) assert.ok(!f.detail.toLowerCase().includes(S.toLowerCase()), `PL${paranoia}: ${f.detail}`);
        if (detail !== undefined && paranoia === 1) assert.equal(fs.find((f) => f.family === family)!.detail, detail);
      }
    });
  }

  it('known tags and attributes are still named', () => {
    assert.equal(inspectValue('<img src=x onerror=alert(1)>')[0]!.detail, 'img with event handler onerror');
    assert.equal(inspectValue('<a href="javascript:alert(1)">x</a>')[0]!.detail, 'a href with a script URL');
    assert.equal(inspectValue('</script><b>')[0]!.detail, 'closing script breaks out of raw text');
  });
});
